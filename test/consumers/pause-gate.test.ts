import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../adapters/logger.js';
import { createPauseGate } from '../../consumers/pause-gate.js';

const schedule = { retries: Number.POSITIVE_INFINITY, initialDelayMs: 1_000, maxDelayMs: 4_000 };

function setup(options: { schedule?: typeof schedule } = {}) {
  const logger = { warn: vi.fn(), info: vi.fn(), error: vi.fn(), debug: vi.fn(), trace: vi.fn(), fatal: vi.fn() };
  const pause = vi.fn();
  const resume = vi.fn();
  const onChange = vi.fn();
  const gate = createPauseGate({
    pause,
    resume,
    onChange,
    logger: logger as unknown as Logger,
    schedule: options.schedule ?? schedule,
  });
  return { gate, logger, pause, resume, onChange };
}

describe('createPauseGate', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    // Equal jitter draws from [step/2, step]: 1 makes every delay the full step.
    vi.spyOn(Math, 'random').mockReturnValue(1);
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('starts open', () => {
    const { gate } = setup();
    expect(gate.paused).toBe(false);
    expect(gate.reason).toBeUndefined();
  });

  it('pauses on a failure, with a reason, and logs it once', () => {
    const { gate, logger, pause, resume, onChange } = setup();
    const error = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    gate.failed(error, 'PostgreSQL is unreachable');
    expect(pause).toHaveBeenCalledTimes(1);
    expect(resume).not.toHaveBeenCalled();
    expect(onChange).toHaveBeenCalledExactlyOnceWith(true);
    expect(gate.paused).toBe(true);
    expect(gate.reason).toBe('PostgreSQL is unreachable: connect ECONNREFUSED 127.0.0.1:5432');
    expect(logger.warn).toHaveBeenCalledExactlyOnceWith(
      { err: error, attempt: 1, retryInMs: 1_000 },
      'PostgreSQL is unreachable; consumption paused, no offset moves until it succeeds',
    );
  });

  it('takes a thrown non-Error as its text', () => {
    const { gate } = setup();
    gate.failed('socket closed', 'the schema registry failed');
    expect(gate.reason).toBe('the schema registry failed: socket closed');
  });

  it('does not pause again while paused', () => {
    const { gate, logger, pause, onChange } = setup();
    gate.failed(new Error('first'), 'writing a batch failed');
    gate.failed(new Error('second'), 'PostgreSQL is unreachable');
    expect(pause).toHaveBeenCalledTimes(1);
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(gate.reason).toBe('writing a batch failed: first');
  });

  it('resumes after the delay', () => {
    const { gate, resume } = setup();
    gate.failed(new Error('down'), 'PostgreSQL is unreachable');
    vi.advanceTimersByTime(999);
    expect(resume).not.toHaveBeenCalled();
    expect(gate.paused).toBe(true);
    vi.advanceTimersByTime(1);
    expect(resume).toHaveBeenCalledTimes(1);
    expect(gate.paused).toBe(false);
    expect(gate.reason).toBeUndefined();
  });

  it('waits longer after each failure in a row, up to the cap', () => {
    const { gate, logger, pause, resume } = setup();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      gate.failed(new Error('down'), 'PostgreSQL is unreachable');
      const fields = logger.warn.mock.calls.at(-1)?.[0] as { attempt: number; retryInMs: number };
      expect(fields.attempt).toBe(i + 1);
      delays.push(fields.retryInMs);
      vi.advanceTimersByTime(fields.retryInMs);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 4_000, 4_000]);
    expect(pause).toHaveBeenCalledTimes(5);
    expect(resume).toHaveBeenCalledTimes(5);
  });

  it('never gives up: past the retry budget it waits the longest delay', () => {
    const { gate, logger, resume } = setup({ schedule: { retries: 1, initialDelayMs: 1_000, maxDelayMs: 4_000 } });
    gate.failed(new Error('down'), 'PostgreSQL is unreachable');
    vi.advanceTimersByTime(1_000);
    gate.failed(new Error('down'), 'PostgreSQL is unreachable');
    expect(logger.warn.mock.calls.at(-1)?.[0]).toMatchObject({ attempt: 2, retryInMs: 4_000 });
    vi.advanceTimersByTime(4_000);
    expect(resume).toHaveBeenCalledTimes(2);
  });

  it('logs the recovery and reports it once work succeeds after a pause', () => {
    const { gate, logger, onChange } = setup();
    gate.failed(new Error('down'), 'PostgreSQL is unreachable');
    vi.advanceTimersByTime(1_000);
    gate.failed(new Error('down'), 'PostgreSQL is unreachable');
    vi.advanceTimersByTime(2_000);
    gate.succeeded();
    expect(logger.info).toHaveBeenCalledExactlyOnceWith({ downForMs: 3_000, attempts: 2 }, 'writes succeed again; consumption resumed');
    expect(onChange.mock.calls).toEqual([[true], [true], [false]]);
    expect(gate.paused).toBe(false);
    expect(gate.reason).toBeUndefined();
  });

  it('starts the backoff over after a recovery', () => {
    const { gate, logger } = setup();
    gate.failed(new Error('down'), 'PostgreSQL is unreachable');
    vi.advanceTimersByTime(1_000);
    gate.failed(new Error('down'), 'PostgreSQL is unreachable');
    vi.advanceTimersByTime(2_000);
    gate.succeeded();
    gate.failed(new Error('down again'), 'PostgreSQL is unreachable');
    expect(logger.warn.mock.calls.at(-1)?.[0]).toMatchObject({ attempt: 1, retryInMs: 1_000 });
  });

  it('does nothing on success when nothing failed', () => {
    const { gate, logger, onChange } = setup();
    gate.succeeded();
    gate.succeeded();
    expect(logger.info).not.toHaveBeenCalled();
    expect(onChange).not.toHaveBeenCalled();
  });

  it('logs a recovery once, not on every later success', () => {
    const { gate, logger, onChange } = setup();
    gate.failed(new Error('down'), 'PostgreSQL is unreachable');
    vi.advanceTimersByTime(1_000);
    gate.succeeded();
    gate.succeeded();
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(onChange.mock.calls).toEqual([[true], [false]]);
  });

  it('cancels the pending resume on close', () => {
    const { gate, resume } = setup();
    gate.failed(new Error('down'), 'PostgreSQL is unreachable');
    gate.close();
    expect(gate.paused).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(resume).not.toHaveBeenCalled();
    gate.close();
  });

  it('uses the default schedule without one: 250 ms first, never more than 2 s apart', () => {
    const logger = { warn: vi.fn(), info: vi.fn() };
    const resume = vi.fn();
    const gate = createPauseGate({ pause: vi.fn(), resume, logger: logger as unknown as Logger });
    gate.failed(new Error('down'), 'PostgreSQL is unreachable');
    expect(logger.warn.mock.calls[0]?.[0]).toMatchObject({ retryInMs: 250 });
    vi.advanceTimersByTime(250);
    expect(resume).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 10; i++) {
      gate.failed(new Error('down'), 'PostgreSQL is unreachable');
      vi.advanceTimersByTime(2_000);
    }
    expect(resume).toHaveBeenCalledTimes(11);
    expect(Math.max(...logger.warn.mock.calls.map((call) => (call[0] as { retryInMs: number }).retryInMs))).toBeLessThanOrEqual(2_000);
  });

  // With partitions written concurrently, a batch started before the pause can succeed while the
  // gate is paused: that is not a recovery (nor a reason to reset the backoff).
  it('does not report a recovery while still paused', () => {
    const { gate, onChange } = setup();
    gate.failed(new Error('down'), 'PostgreSQL is unreachable');
    gate.succeeded();
    expect(gate.paused).toBe(true);
    expect(onChange).not.toHaveBeenCalledWith(false);
  });
});
