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
  readonly #eventsJudged: Counter;
  readonly #alerts: Counter<"rule" | "type" | "silenced">;
  readonly #deliveries: Counter<"channel" | "outcome">;
  #alerting: (() => { rules: number; lagEvents: number }) | undefined;

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
    this.#eventsJudged = new Counter({
      name: "sealtrail_alert_events_evaluated_total",
      help: "Committed events the alert rules were evaluated against.",
      registers,
    });
    this.#alerts = new Counter({
      name: "sealtrail_alerts_total",
      help: "Alerts decided, by rule, type (fired, resolved) and whether a silence held their notifications back.",
      labelNames: ["rule", "type", "silenced"],
      registers,
    });
    this.#deliveries = new Counter({
      name: "sealtrail_alert_deliveries_total",
      help: "Alert delivery attempts by channel and outcome (delivered, retrying, failed).",
      labelNames: ["channel", "outcome"],
      registers,
    });
    const alerting = () => this.#alerting?.();
    new Gauge({
      name: "sealtrail_alert_rules",
      help: "Alert rules loaded.",
      registers,
      collect() {
        this.set(alerting()?.rules ?? 0);
      },
    });
    new Gauge({
      name: "sealtrail_alert_evaluator_lag_events",
      help: "Committed events the alert evaluator has not judged yet.",
      registers,
      collect() {
        this.set(alerting()?.lagEvents ?? 0);
      },
    });
  }

  /** Reports the alerting status on each scrape: rules loaded, events not yet judged. */
  watchAlerting(status: (() => { rules: number; lagEvents: number }) | undefined): void {
    this.#alerting = status;
  }

  /** Records events judged by the alert rules. */
  observeEvaluated(events: number): void {
    if (events > 0) this.#eventsJudged.inc(events);
  }

  /** Records one decided alert. */
  observeAlert(rule: string, type: "fired" | "resolved", silenced: boolean): void {
    this.#alerts.inc({ rule, type, silenced: String(silenced) });
  }

  /** Records one delivery attempt. */
  observeDelivery(channel: string, outcome: "delivered" | "retrying" | "failed"): void {
    this.#deliveries.inc({ channel, outcome });
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
