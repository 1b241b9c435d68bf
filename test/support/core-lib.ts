/**
 * JavaScript source that defines `lib` (the tensor core of zscl: creation, Tensor ops, F, scopes,
 * grad mode, runtime) in a child process or worker thread. It loads only the core modules, not
 * lib/index.ts, whose CLIP, data and report modules would add seconds to every child's start.
 */
import path from 'node:path';
import { repoRoot } from './fixtures';

const module = (name: string) => JSON.stringify(path.join(repoRoot, 'lib', name));

/** `const lib = {...}`, for a script run with tsx's hooks (`--import tsx` or tsx/cjs/api). */
export const coreLibSource = `const lib = {
  ...require(${module('tensor/create')}),
  ...require(${module('tensor/scope')}),
  ...require(${module('tensor/autograd')}),
  ...require(${module('runtime')}),
  F: require(${module('tensor/functional')}),
};`;
