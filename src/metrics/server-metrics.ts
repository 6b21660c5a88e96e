import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { BatchCommitted } from "../ingest/appender.js";

/**
 * The server's Prometheus metrics: ingest rate, batch sizes, commit latency, queue depth, and
 * HTTP request counts and durations, plus the process's own (memory, event loop lag, GC).
 *
 * @example
 * ```ts
 * const metrics = new ServerMetrics(() => log.queueDepth);
 * metrics.observeCommit({ events: 100, duplicates: 0, treeSize: 100, commitMs: 2.5 });
 * const text = await metrics.exposition();
 * ```
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly #appended: Counter;
  readonly #duplicates: Counter;
  readonly #batchEvents: Histogram;
  readonly #commitSeconds: Histogram;
  readonly #requests: Counter<"method" | "route" | "status">;
  readonly #requestSeconds: Histogram<"method" | "route">;

  constructor(queueDepth: () => number) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "sealtrail_" });
    this.#appended = new Counter({
      name: "sealtrail_events_appended_total",
      help: "Events durably appended (duplicates excluded).",
      registers,
    });
    this.#duplicates = new Counter({
      name: "sealtrail_events_duplicate_total",
      help: "Events whose id was already stored (stored once, not again).",
      registers,
    });
    this.#batchEvents = new Histogram({
      name: "sealtrail_batch_events",
      help: "Events per committed batch.",
      buckets: [1, 4, 16, 64, 256, 1024, 4096, 16384],
      registers,
    });
    this.#commitSeconds = new Histogram({
      name: "sealtrail_commit_seconds",
      help: "Time to commit one batch durably (events and tiles, one transaction).",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    new Gauge({
      name: "sealtrail_append_queue_depth",
      help: "Events accepted and waiting to be committed.",
      registers,
      collect() {
        this.set(queueDepth());
      },
    });
    this.#requests = new Counter({
      name: "sealtrail_http_requests_total",
      help: "HTTP requests answered, by route and status.",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.#requestSeconds = new Histogram({
      name: "sealtrail_http_request_seconds",
      help: "HTTP request durations, by route.",
      labelNames: ["method", "route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers,
    });
  }

  /** Records one committed batch. */
  observeCommit(batch: BatchCommitted): void {
    this.#appended.inc(batch.events);
    if (batch.duplicates > 0) this.#duplicates.inc(batch.duplicates);
    this.#batchEvents.observe(batch.events + batch.duplicates);
    this.#commitSeconds.observe(batch.commitMs / 1000);
  }

  /** Records one answered request (`route` is the route pattern, never the raw URL). */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.#requests.inc({ method, route, status: String(status) });
    this.#requestSeconds.observe({ method, route }, seconds);
  }

  /** The Prometheus text exposition. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  /** Its media type. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
