-- Apicurio Registry keeps its schemas beside the pipeline's database (see stack/registry.ts).
create database apicurio_registry;
