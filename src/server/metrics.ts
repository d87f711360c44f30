/**
 * Prometheus metrics in the text exposition format (version 0.0.4), without a dependency:
 * counters and histograms with labels, rendered on GET /metrics. Per process: each replica is
 * scraped on its own and Prometheus adds them up.
 */

type Labels = Record<string, string>;

/** Label values escaped as the format asks: backslash, double quote and newline. */
function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels));

export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

/** Request latencies: from 5 ms to 10 s, the usual web buckets. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[] = LATENCY_BUCKETS,
  ) {}

  observe(labels: Labels, value: number): void {
    const key = keyOf(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.series.values()) {
      this.buckets.forEach((le, i) => lines.push(`${this.name}_bucket${labelText({ ...labels, le: String(le) })} ${counts[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...labels, le: '+Inf' })} ${count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${sum}`);
      lines.push(`${this.name}_count${labelText(labels)} ${count}`);
    }
    return lines.join('\n');
  }
}

/** A value read when scraped (pool use), one sample per label set. */
export class Gauge {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly collect: () => { labels: Labels; value: number }[],
  ) {}

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const { labels, value } of this.collect()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

/** The metrics of one server; more (renewals, token requests, pool use) register here as their routes arrive. */
export class Metrics {
  readonly requests = new Counter('noetl_http_requests_total', 'HTTP requests answered, by method, route and status.');
  readonly latency = new Histogram('noetl_http_request_duration_seconds', 'Time to answer an HTTP request, by method and route.');
  readonly authFailures = new Counter('noetl_http_auth_failures_total', 'Requests refused by authentication (401) or role (403).');
  readonly renewals = new Counter('noetl_keychain_renewals_total', 'Keychain renewals this server did or tried, by outcome (renewed, failed).');
  readonly tokenRequests = new Counter('noetl_token_requests_total', 'Requests this server sent to token endpoints (renewals, keychain resolve), by outcome (ok: 2xx; failed).');
  private readonly extra: (Counter | Histogram | Gauge)[] = [];

  /** Whether a metric of that name is registered (a Metrics shared by several apps gets each once). */
  has(name: string): boolean {
    return this.extra.some((m) => m.name === name);
  }

  register<T extends Counter | Histogram | Gauge>(metric: T): T {
    this.extra.push(metric);
    return metric;
  }

  render(): string {
    return [this.requests, this.latency, this.authFailures, this.renewals, this.tokenRequests, ...this.extra].map((m) => m.render()).join('\n') + '\n';
  }
}
