import { debuglog } from 'node:util';

/** Debug output, enabled with NODE_DEBUG=runlog. runlog prints nothing else by default. */
export const debug = debuglog('runlog');
