/**
 * The provider contract: what the edit core hands a provider and what it gets back.
 *
 * A provider is a plain object. It never reads files, never writes output and
 * never validates user images: the core has already done that, so a provider
 * only speaks its service's protocol. Keys are read when `edit` runs, not when
 * the provider is created, so listing providers never needs a key.
 */
import type { SizeRequest, SizeTier } from '../core/output-size.js';

/** An image ready to leave the machine: upright, metadata stripped, within the provider's limits. */
export interface ProviderImage {
  readonly data: Buffer;
  /** The same bytes as the pieces an upload came in (core/image-pieces.ts), when it passed through unchanged. */
  readonly pieces?: readonly Buffer[];
  /** `image/jpeg`, `image/png` or `image/webp`. */
  readonly mimeType: string;
  /** A display name for logs and for providers that want a file name (never a full path). */
  readonly name: string;
  readonly width: number;
  readonly height: number;
}

/** Options that image models share. A provider that cannot honour one says so in `warnings`. */
export interface EditOptions {
  /** The format the user wants; providers that can produce it natively are asked to. */
  outputFormat?: 'png' | 'jpeg' | 'webp';
  /**
   * e.g. `16:9`, as the user asked; `auto` leaves it to the model. Undefined:
   * the provider sends the ratio it supports nearest to `frame` (the input's framing kept).
   */
  aspectRatio?: string;
  /** `--size` / form `size` as given; undefined = DEFAULT_SIZE. The core turns it into `output`. */
  size?: SizeRequest;
  /**
   * Filled in by the core: the tier to ask for (`auto` already resolved from
   * the input), whether the user asked for it (a model that cannot honour an
   * asked size warns; an `auto` one stays quiet), and the input's upright size
   * before any scaling, which is the framing to keep.
   */
  output?: { tier: SizeTier; asked: boolean; width: number; height: number };
  seed?: number;
  /**
   * Set by the core, never by callers: how many images this one call should
   * return (`--variations` on a provider whose `maxOutputs` is above 1). The
   * provider then answers them all in `EditResult.images`.
   */
  numImages?: number;
  /** fal only: force the input field (`image_url` or `image_urls`) for a model we do not know. */
  imageField?: 'image_url' | 'image_urls';
}

export interface EditRequest {
  /** The image to edit first, then any reference images (`--with`). At least one. */
  readonly images: readonly ProviderImage[];
  readonly prompt: string;
  readonly options: EditOptions;
}

export interface EditContext {
  /** Cancels the edit: Ctrl-C, a closed HTTP connection, or the edit deadline. */
  readonly signal: AbortSignal;
  /** Called with a human-readable line while a long edit runs (queue position, retries). */
  readonly onProgress?: (message: string) => void;
  /**
   * Lives across the attempts of one edit: the core retries by calling `edit`
   * again with the same map. A provider whose edit takes several billable
   * steps (fal: upload, submit, poll, fetch) records its progress here, so a
   * retry resumes after the last step that succeeded instead of paying for
   * it again. Empty on the first attempt; absent when a caller does not retry.
   */
  readonly resume?: Map<string, unknown>;
}

export interface EditResult {
  readonly data: Buffer;
  /** The same bytes in pieces (core/image-pieces.ts): the mock answers its input's pieces as they are. */
  readonly pieces?: readonly Buffer[];
  readonly mimeType: string;
  /** Options the model could not honour, and anything else the user should know. */
  readonly warnings: string[];
  /** The model that produced the result, when the provider knows it. */
  readonly model?: string;
  /** The provider's id for the request (fal request id, Gemini response id). */
  readonly requestId?: string;
  /** Text the model returned alongside the image. */
  readonly text?: string;
  /** How many HTTP attempts the edit took (1 without retries). */
  readonly attempts?: number;
  /** True when no real model made this image (the `mock` provider). */
  readonly mock?: boolean;
  /**
   * Every image of a call asked for several (`numImages`), the first also in
   * `data`. Fewer than asked is allowed (a model that ignores the count, a
   * blocked one): the core asks again for the rest.
   */
  readonly images?: readonly { readonly data: Buffer; readonly mimeType: string }[];
}

/** What a provider accepts, so the core can scale and convert before sending. */
export interface ProviderLimits {
  /** The longest edge, in pixels, the provider accepts; larger images are scaled down. */
  readonly maxEdge: number;
  /** How many images one request may carry, including references. */
  readonly maxImages: number;
}

export interface Provider {
  /** The canonical id, e.g. `google:gemini-2.5-flash-image`, `fal:fal-ai/flux-kontext/dev`, `mock`. */
  readonly id: string;
  /** `google`, `fal` or `mock`. */
  readonly kind: ProviderKind;
  /** The model or endpoint behind it, for manifests and logs. */
  readonly model: string;
  readonly limits: ProviderLimits;
  /**
   * How many images one call can return (fal's `num_images`); 1 or absent:
   * `--variations N` makes N calls.
   */
  readonly maxOutputs?: number;
  /**
   * Refuses options this model cannot take (an aspect ratio it lacks) with
   * `invalid_option`, before anything is read or sent. The CLI calls it once
   * per run, the core once per edit.
   */
  validate?(options: EditOptions): void;
  edit(request: EditRequest, context: EditContext): Promise<EditResult>;
  /**
   * Called once when an edit ends without a result (cancelled, past its
   * deadline, or failed for good after its retries), with the context its
   * attempts shared. A provider that may have left work running (a queued fal
   * job) stops it here; it must not throw, and should not take long.
   */
  abandon?(context: EditContext): Promise<void>;
  /**
   * `health --live`: one cheap authenticated call that edits nothing and is
   * not billed, proving the key works and the model exists where it will be
   * called. Resolves with what was checked (and what was not); throws the same
   * FrameForgeErrors an edit would (invalid_api_key, model_not_found ...).
   */
  probe?(signal: AbortSignal): Promise<ProbeResult>;
}

export interface ProbeResult {
  /** One line: what the provider confirmed. */
  readonly detail: string;
  /** What this call cannot prove, said rather than implied. */
  readonly unchecked?: string;
}

export type ProviderKind = 'google' | 'fal' | 'mock';
