import { describe, expect, it } from "vitest";
import { capabilitiesFromDoctor, jobDevice } from "./capabilities";

describe("capabilitiesFromDoctor", () => {
  it("maps the package's doctor report to what the hub lists", () => {
    const report = {
      python: "3.11.7",
      torch: "2.15.0+cu132",
      cuda: {
        available: true,
        devices: [{ name: "NVIDIA H100", capability: "9.0", memory_gb: 79.2, free_memory_gb: 78.1 }],
        bf16: true,
      },
      bf16: true,
      flash_attention: true,
      backends: {
        peft: { ok: true, version: "0.21.2" },
        unsloth: { ok: false, error: "ModuleNotFoundError" },
      },
      disk: { path: "/x", free_gb: 71.04, total_gb: 270 },
      student_kinds: ["lexical", "probe", "regression", "generative"],
    };
    expect(capabilitiesFromDoctor(report)).toEqual({
      python: "3.11.7",
      torch: "2.15.0+cu132",
      cuda: true,
      bf16: true,
      flash_attention: true,
      gpus: [{ name: "NVIDIA H100", memory_gb: 79.2, free_memory_gb: 78.1 }],
      backends: {
        unsloth: false,
        peft: true,
        bitsandbytes: false,
        vllm: false,
        sentence_transformers: false,
      },
      free_disk_gb: 71.04,
      job_kinds: ["train", "eval", "infer"],
      student_kinds: ["lexical", "probe", "regression", "generative"],
    });
  });

  it("advertises the CPU students of an environment without torch, and nothing else", () => {
    const cpuOnly = capabilitiesFromDoctor({
      python: "3.11.7",
      torch: null,
      cuda: { available: false, devices: [] },
      backends: {
        peft: { ok: false, error: "ModuleNotFoundError" },
        onnxruntime: { ok: true, version: "1.31.1" },
      },
      student_kinds: ["lexical", "probe"],
    });
    expect(cpuOnly).toMatchObject({
      torch: null,
      cuda: false,
      job_kinds: ["train", "eval", "infer"],
      student_kinds: ["lexical", "probe"],
    });
  });

  it("offers no job kinds when no student can run and refuses a report it cannot read", () => {
    expect(capabilitiesFromDoctor({ python: "3.12.1", torch: null, student_kinds: [] }).job_kinds).toEqual(
      [],
    );
    // A package from before the CPU students: torch decides, as it did then.
    expect(capabilitiesFromDoctor({ python: "3.12.1", torch: null })).toMatchObject({
      job_kinds: [],
      student_kinds: [],
    });
    expect(capabilitiesFromDoctor({ python: "3.12.1", torch: "2.15.0" }).student_kinds).toEqual(["probe"]);
    expect(
      capabilitiesFromDoctor({ python: "3.12.1", torch: "2.15.0", cuda: { available: true } }).student_kinds,
    ).toEqual(["regression", "generative", "probe"]);
    expect(() => capabilitiesFromDoctor({ cuda: "yes" })).toThrow(/unexpected/);
  });

  it("never claims the CUDA students where CUDA does not work, whatever the package lists", () => {
    const report = {
      python: "3.11.7",
      torch: "2.15.0+cu132",
      cuda: { available: false, devices: [] },
      backends: { peft: { ok: true } },
      student_kinds: ["lexical", "probe", "encoder", "regression", "generative"],
      unavailable_student_kinds: {},
    };
    expect(capabilitiesFromDoctor(report)).toMatchObject({
      cuda: false,
      job_kinds: ["train", "eval", "infer"],
      student_kinds: ["lexical", "probe", "encoder"],
    });
  });

  it("asks Python for CUDA for the students that need it, so it refuses instead of using the CPU", () => {
    expect(jobDevice("regression")).toBe("cuda");
    expect(jobDevice("generative")).toBe("cuda");
    expect(jobDevice("encoder")).toBe("auto");
    expect(jobDevice("probe")).toBe("auto");
    expect(jobDevice(undefined)).toBe("auto");
  });
});
