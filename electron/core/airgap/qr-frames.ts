/**
 * @module core/airgap/qr-frames
 * QR frames for a file that crosses the air gap. A file of up to SINGLE_FRAME_BYTES goes into one
 * frame as it is (any phone or scanner reads it). A larger one (a PSBT, a long typed-data request)
 * becomes an animated BC-UR sequence (BCR-2020-005 multi-part `ur:bytes/i-n/…`, fountain-coded by
 * @ngraveio/bc-ur): the scanner needs any sufficient set of frames, not every frame in order, so a
 * missed frame costs one more loop, not a restart. Frames are upper-case, which QR codes hold in
 * the denser alphanumeric mode.
 *
 * The renderer draws the frames (it only turns strings into QR images); the encoding lives here so
 * the CLI and the GUI produce the same sequence. Pure.
 */
import { UR, UREncoder } from '@ngraveio/bc-ur';
import type { QrFrames } from '../../../shared/api/airgap.js';

/** A version-25-ish QR at error correction M holds ~1,000 bytes and still scans from a laptop screen. */
export const SINGLE_FRAME_BYTES = 1000;
/** Bytes of payload per animated frame (each frame then stays a comfortable QR version). */
export const UR_FRAGMENT_BYTES = 250;
const MAX_FRAMES = 2000;

export function qrFrames(text: string): QrFrames {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= SINGLE_FRAME_BYTES) return { encoding: 'text', frames: [text], fragments: 1 };
  const encoder = new UREncoder(UR.fromBuffer(bytes), UR_FRAGMENT_BYTES, 0, 10);
  const fragments = encoder.fragmentsLength;
  // The pure fragments first, then as many fountain parts again (each mixes several fragments): a
  // scanner that missed frames completes from the mixed ones instead of waiting a whole loop.
  const count = Math.min(MAX_FRAMES, 2 * fragments);
  const frames: string[] = [];
  for (let i = 0; i < count; i++) frames.push(encoder.nextPart().toUpperCase());
  return { encoding: 'ur', frames, fragments };
}
