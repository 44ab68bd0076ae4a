// What the server told about itself (`/runlog-api/v1/info`): the header shows it and the pages read
// `readOnly` to disable their writes. Until it answers, the app assumes read-only (writes off).
import { signal } from '@preact/signals';
import { getServerInfo } from './api/tracking.js';
import type { ServerInfo } from './api/types.js';

export const serverInfo = signal<ServerInfo | undefined>(undefined);
export const serverInfoError = signal<string | undefined>(undefined);

export function loadServerInfo(): void {
  getServerInfo().then(
    (info) => {
      serverInfo.value = info;
    },
    (error: unknown) => {
      serverInfoError.value = (error as Error).message;
    },
  );
}

/** True while writes must stay disabled: a read-only server, or one that has not answered yet. */
export function isReadOnly(): boolean {
  return serverInfo.value?.readOnly ?? true;
}
