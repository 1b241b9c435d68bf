/**
 * Pillow's bicubic resampling (`Image.resize(size, BICUBIC)` on 8-bit images), bit for bit, for
 * pixels decoded by sharp: the native resampler of the JPEG path (native/image/resample.cc) run on
 * a libuv worker thread. libvips enlarges with a different kernel alignment, so enlargements
 * (small images brought up to 224) come here; reductions go to sharp, which matches Pillow to
 * within a grey level or two and is much faster.
 */
import { native } from '../native';
import type { NativeHandle } from '../native';
import { planArray } from './native-jpeg';
import type { ResizePlan } from './transform';

/** A rectangle in pixels. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Interleaved 8-bit pixels. */
export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/**
 * Resamples the region `plan.sourceBox` of `source` (treated as an image of its own, like
 * `image.crop(box)`) to `plan.width` × `plan.height`, and returns the part `plan.outputBox` of the
 * result; only that part is computed, with the values of resizing everything and cropping. Async.
 * @throws (rejects) ZsclError E_ARG when a box of the plan leaves the image it cuts from, E_SHAPE
 *   when the pixels do not fill width × height × channels (1 or 3).
 */
export async function resampleBicubic(source: Pixels, plan: ResizePlan): Promise<Pixels> {
  const api = native();
  const { data, width, height, channels } = source;
  const result = (await api.opAsync('pixelsResample', data, width, height, channels, planArray(plan))) as NativeHandle;
  try {
    return { data: new Uint8Array(api.readData(result)), width: plan.outputBox.width, height: plan.outputBox.height, channels };
  } finally {
    api.dispose(result, true);
  }
}
