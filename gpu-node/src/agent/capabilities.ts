/**
 * @module
 * The node's capabilities from `python -m distillery_gpu doctor`. The package's doctor report is richer
 * than what the hub needs (`nodeCapabilitiesSchema`): CUDA devices under `cuda.devices`, each backend as
 * `{ ok, version | error }`, disk under `disk`. This maps it; a report already in the hub's shape is
 * taken as it is. The student kinds the environment can run (`student_kinds`: probe and lexical without
 * torch, encoder with torch + transformers, regression and generative only with a CUDA GPU that
 * initialises) are what the hub matches jobs against, so a node is never offered a job it cannot run.
 * A report from an older package that lists the CUDA students without working CUDA is corrected here:
 * those jobs would otherwise train a 7B model on the CPU. `jobDevice` is the device a job file asks for.
 */
import {
  CUDA_STUDENT_KINDS,
  type NodeCapabilities,
  nodeCapabilitiesSchema,
  type StudentKind,
  studentKindSchema,
} from "@distillery/shared";
import { z } from "zod";

const doctorReportSchema = z.object({
  python: z.string().nullable().default(null),
  torch: z.string().nullable().default(null),
  cuda: z
    .object({
      available: z.boolean(),
      devices: z
        .array(
          z.object({
            name: z.string(),
            memory_gb: z.number().min(0),
            free_memory_gb: z.number().min(0).nullable().default(null),
          }),
        )
        .default([]),
    })
    .default({ available: false, devices: [] }),
  bf16: z.boolean().default(false),
  flash_attention: z.boolean().default(false),
  backends: z.record(z.string(), z.object({ ok: z.boolean() })).default({}),
  disk: z
    .object({ free_gb: z.number().min(0) })
    .nullable()
    .default(null),
  /** Absent from a package older than the CPU students: then torch decides, as it did. */
  student_kinds: z.array(studentKindSchema).optional(),
});

/** What a package from before `student_kinds` ran with torch (it knew no encoder student). */
const LEGACY_TORCH_STUDENT_KINDS: readonly StudentKind[] = ["regression", "generative", "probe"];

/**
 * The device a job file asks for: `cuda` for the students that need a GPU, so that Python refuses
 * (`device.cuda_unavailable`) rather than falls back to the CPU; `auto` (CUDA when there is one) otherwise.
 * @example
 * jobDevice("regression"); // "cuda"
 * jobDevice("encoder"); // "auto"
 */
export function jobDevice(student: StudentKind | undefined): "cuda" | "auto" {
  return student !== undefined && CUDA_STUDENT_KINDS.includes(student) ? "cuda" : "auto";
}

export function capabilitiesFromDoctor(report: unknown): NodeCapabilities {
  const direct = nodeCapabilitiesSchema.safeParse(report);
  if (direct.success) return direct.data;
  const parsed = doctorReportSchema.safeParse(report);
  if (!parsed.success) {
    throw new Error(`python doctor reported something unexpected: ${parsed.error.issues[0]?.message}`);
  }
  const doctor = parsed.data;
  const ok = (name: string) => doctor.backends[name]?.ok ?? false;
  const reported = doctor.student_kinds ?? (doctor.torch ? LEGACY_TORCH_STUDENT_KINDS : []);
  const studentKinds = reported.filter((kind) => doctor.cuda.available || !CUDA_STUDENT_KINDS.includes(kind));
  return {
    python: doctor.python,
    torch: doctor.torch,
    cuda: doctor.cuda.available,
    bf16: doctor.bf16,
    flash_attention: doctor.flash_attention,
    gpus: doctor.cuda.devices,
    backends: {
      unsloth: ok("unsloth"),
      peft: ok("peft"),
      bitsandbytes: ok("bitsandbytes"),
      vllm: ok("vllm"),
      sentence_transformers: ok("sentence_transformers"),
    },
    free_disk_gb: doctor.disk?.free_gb ?? null,
    // Every GPU job kind runs as soon as one student kind does; which jobs is the student kinds' matter.
    job_kinds: studentKinds.length > 0 ? ["train", "eval", "infer"] : [],
    student_kinds: studentKinds,
  };
}
