package dev.eventpipeline.example;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventpipeline.client.ApiClient;
import dev.eventpipeline.client.ApiException;
import dev.eventpipeline.client.api.DeliveriesApi;
import dev.eventpipeline.client.api.DestinationsApi;
import dev.eventpipeline.client.api.EventsApi;
import dev.eventpipeline.client.api.OrganizationApi;
import dev.eventpipeline.client.model.BatchEventReceipt;
import dev.eventpipeline.client.model.BatchReceipt;
import dev.eventpipeline.client.model.CreateDestinationRequest;
import dev.eventpipeline.client.model.CreateDestinationRequestWebhook;
import dev.eventpipeline.client.model.Destination;
import dev.eventpipeline.client.model.Event;
import dev.eventpipeline.client.model.EventBatch;
import dev.eventpipeline.client.model.EventReceipt;
import dev.eventpipeline.client.model.EventToPublish;
import dev.eventpipeline.client.model.DeliveryList;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Uses only the client generated from the API's OpenAPI document: learns the key's organization,
 * creates a webhook destination, publishes customer events (a batch and a single one), lists them
 * back once the pipeline has stored them, and reads the destination's delivery log. Prints one
 * JSON object per step on stdout.
 *
 * <p>Usage: {@code Example <api url> <api key> <webhook url>}
 */
public final class Example {
  private static final long LIST_TIMEOUT_MS = 60_000;
  private static final long DELIVERY_WAIT_MS = 30_000;

  private final ObjectMapper json;
  private final EventsApi events;
  private final DestinationsApi destinations;
  private final DeliveriesApi deliveries;
  private final OrganizationApi organization;

  private Example(String apiUrl, String key) {
    ApiClient client = new ApiClient();
    client.updateBaseUri(apiUrl);
    // The "native" library leaves authentication to the caller: the API takes the key as a bearer token.
    client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + key));
    json = client.getObjectMapper();
    events = new EventsApi(client);
    destinations = new DestinationsApi(client);
    deliveries = new DeliveriesApi(client);
    organization = new OrganizationApi(client);
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: Example <api url> <api key> <webhook url>");
      System.exit(2);
    }
    try {
      new Example(args[0], args[1]).run(args[2]);
    } catch (ApiException error) {
      System.err.println("HTTP " + error.getCode() + ": " + error.getResponseBody());
      System.exit(1);
    }
  }

  private void run(String webhookUrl) throws Exception {
    String organizationId = organization.retrieveOrganization().getId();
    print("organization", Map.of("id", organizationId));

    // First the destination, so the events published next are its to deliver.
    Destination destination =
        destinations.createDestination(
            new CreateDestinationRequest()
                .type(CreateDestinationRequest.TypeEnum.WEBHOOK)
                .description("Java client example")
                .addEventTypesItem("customer.*")
                .webhook(new CreateDestinationRequestWebhook().url(webhookUrl)));
    print("destination", destination.getActualInstance());
    String destinationId = json.valueToTree(destination.getActualInstance()).get("id").asText();

    String customerId = "cus_" + UUID.randomUUID();
    BatchReceipt batch =
        events.publishEvents(
            new EventBatch()
                .addEventsItem(customerEvent("customer.created", organizationId, customerId, "active"))
                .addEventsItem(customerEvent("customer.updated", organizationId, customerId, "archived")),
            null);
    print("published_batch", batch);
    EventReceipt single = events.publishEvent(customerEvent("customer.deleted", organizationId, customerId, "deleted"), null);
    print("published", single);

    Set<String> ids = new HashSet<>();
    for (BatchEventReceipt receipt : batch.getData()) ids.add(receipt.getId());
    ids.add(single.getId());
    print("listed", listUntilStored(customerId, ids));

    print("deliveries", deliveryLog(destinationId, ids.size()));
  }

  private static EventToPublish customerEvent(String type, String organizationId, String customerId, String status) {
    Map<String, Object> customer = new LinkedHashMap<>();
    customer.put("id", customerId);
    customer.put("object", "customer");
    customer.put("organization_id", organizationId);
    customer.put("name", "Ada Lovelace");
    customer.put("email", "ada@example.com");
    customer.put("status", status);
    customer.put("created_at", Instant.now().toString());
    return new EventToPublish().type(type).data(customer);
  }

  /** The entity's events once all of `ids` are stored: the API lists what the pipeline has materialized. */
  private List<Event> listUntilStored(String customerId, Set<String> ids) throws Exception {
    long deadline = System.currentTimeMillis() + LIST_TIMEOUT_MS;
    while (true) {
      List<Event> found =
          new ArrayList<>(
              events.listEvents(100, null, null, null, "customer", customerId, null, null, null, null, null, null, null, null).getData());
      Set<String> seen = found.stream().map(Event::getId).collect(Collectors.toSet());
      if (seen.containsAll(ids)) return found;
      if (System.currentTimeMillis() > deadline) throw new IllegalStateException("events not listed after " + LIST_TIMEOUT_MS + " ms: " + ids);
      Thread.sleep(200);
    }
  }

  /**
   * The destination's delivery log once it holds `count` deliveries, or as it is after a while:
   * deliveries are made by the streamer, which may not be running.
   */
  private DeliveryList deliveryLog(String destinationId, int count) throws Exception {
    long deadline = System.currentTimeMillis() + DELIVERY_WAIT_MS;
    while (true) {
      DeliveryList log =
          deliveries.listDestinationDeliveries(destinationId, 100, null, null, null, null, null, null, null, null, null);
      boolean done = log.getData().size() >= count && log.getData().stream().allMatch(delivery -> delivery.getDeliveredAt() != null);
      if (done || System.currentTimeMillis() > deadline) return log;
      Thread.sleep(200);
    }
  }

  private void print(String step, Object value) throws Exception {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("step", step);
    line.put("value", value);
    System.out.println(json.writeValueAsString(line));
  }
}
