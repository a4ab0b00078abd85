/**
 * @module
 * The state both API stand-ins keep around their protocol code: the fault picker, the score knobs and
 * the per-article call counters, built from the start options, changed at run time by `configure`,
 * served on the control routes under `/__standin/`, plus the waits and hang-ups a picked fault puts a
 * request through before the stand-in answers it in its own protocol.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { DEFAULT_FAULT_SETTINGS, type FaultKind, FaultPicker, type FaultSettings } from "../gemini/faults";
import { knobPatch, type ScoreKnobs, ScorePerturber } from "../gemini/knobs";
import { StandinStats } from "../gemini/stats";
import { type HttpStandin, readText, sendJson } from "./http";

/** Everything `configure` and `POST /__standin/config` can change at run time. */
export type StandinSettings = FaultSettings & ScoreKnobs;

/** A started stand-in, as tests and benchmarks hold it. */
export type RunningStandin = {
  url: string;
  port: number;
  stats: StandinStats;
  configure(settings: Partial<StandinSettings>): void;
  close(): Promise<void>;
};

/** How one stand-in answers a generation call in its own protocol. */
export type CallProtocol<Failure> = {
  /** The error of a request the API refuses before answering (it counts, but draws no fault). */
  refused: Failure | null;
  /** The protocol's error for a transport fault; null for content faults. */
  transportError(fault: FaultKind, retryAfterS: number): Failure | null;
  /** The answer, spoiled by a content fault if one was drawn; `usable` when a client could use it. */
  answer(fault: FaultKind | null): { body: unknown; usable: boolean };
  sendError(error: Failure): void;
  send(body: unknown): void;
};

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Faults, knobs and counters of one running stand-in.
 * @example
 * const controls = new StandinControls({ faultRate: 0.05, bias: 0.5 });
 * await controls.serveCall(request, articleKey, { refused, transportError, answer, sendError, send });
 */
export class StandinControls {
  readonly faults: FaultPicker;
  readonly knobs: ScorePerturber;
  readonly stats = new StandinStats();

  constructor(options: Partial<StandinSettings>) {
    const settings: FaultSettings = { ...DEFAULT_FAULT_SETTINGS };
    for (const key of Object.keys(DEFAULT_FAULT_SETTINGS) as (keyof FaultSettings)[]) {
      if (options[key] !== undefined) Object.assign(settings, { [key]: options[key] });
    }
    this.faults = new FaultPicker(settings);
    this.knobs = new ScorePerturber(knobPatch(options));
  }

  /** The stand-in as its caller holds it: its server's address and close, these counters and `configure`. */
  running(http: HttpStandin): RunningStandin {
    return { ...http, stats: this.stats, configure: (patch) => this.configure(patch) };
  }

  /** Changes the given settings, keeping the others. */
  configure(patch: Partial<StandinSettings>) {
    const faultPart = Object.fromEntries(
      Object.entries(patch).filter(([key]) => key in DEFAULT_FAULT_SETTINGS),
    ) as Partial<FaultSettings>;
    if (Object.keys(faultPart).length > 0) this.faults.update({ ...this.faults.current, ...faultPart });
    this.knobs.update(knobPatch(patch));
  }

  /**
   * Answers `GET /__standin/stats`, `POST /__standin/config` and `POST /__standin/reset`;
   * false for any other path, which the stand-in refuses in its own protocol.
   */
  async control(request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean> {
    if (path === "/__standin/stats") {
      sendJson(response, 200, this.stats.summary());
    } else if (path === "/__standin/config" && request.method === "POST") {
      this.configure(JSON.parse((await readText(request)) || "{}") as Partial<StandinSettings>);
      sendJson(response, 200, { ...this.faults.current, ...this.knobs.current });
    } else if (path === "/__standin/reset" && request.method === "POST") {
      this.stats.reset();
      sendJson(response, 200, { ok: true });
    } else {
      return false;
    }
    return true;
  }

  /**
   * Answers one generation call for article `key`: counts it, draws a fault, waits it out or hangs up,
   * then sends the fault's error or the (possibly spoiled) answer.
   */
  async serveCall<Failure>(request: IncomingMessage, key: string, protocol: CallProtocol<Failure>) {
    if (protocol.refused) {
      this.stats.begin(key, null)();
      return protocol.sendError(protocol.refused);
    }
    const fault = this.faults.next();
    const finish = this.stats.begin(key, fault);
    try {
      if (await this.holdForFault(request, fault)) return;
      const failure = fault ? protocol.transportError(fault, this.faults.current.retryAfterS) : null;
      if (failure) return protocol.sendError(failure);
      const { body, usable } = protocol.answer(fault);
      this.stats.answered(key, usable);
      protocol.send(body);
    } finally {
      finish();
    }
  }

  /**
   * Waits out the configured latency and a `slow` fault. A `hang` fault holds the request (for
   * `hangMs`, or until the client gives up) and then drops the connection: true when it did, and
   * nothing more must be sent.
   */
  async holdForFault(request: IncomingMessage, fault: FaultKind | null): Promise<boolean> {
    const { latencyMs, slowMs, hangMs } = this.faults.current;
    if (latencyMs > 0) await delay(latencyMs);
    if (fault === "slow") await delay(slowMs);
    if (fault !== "hang") return false;
    if (hangMs > 0) await delay(hangMs);
    else await new Promise((resolve) => request.socket.once("close", resolve));
    request.socket.destroy();
    return true;
  }
}
