// Development and tests only (the build starts map-worker.js directly). Run from the TypeScript sources, a worker
// does not get tsx's loader from --import (Node 20 loads a worker's entry before the preloads), so this entry
// registers tsx in the worker, then loads the real one.
import { register } from 'tsx/esm/api';

register();
await import('./map-worker.ts');
