// Placeholder until the FileStore's local-artifacts module lands; replaced by it.
export const FileArtifacts = {
  forUri(_root: string): null | { copyIn(src: string, rel: string): Promise<void>; write(rel: string, b: Uint8Array): Promise<void>; download(rel: string, dst: string): Promise<string> } {
    return null;
  },
};
