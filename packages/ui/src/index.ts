// @runlog/ui: the `runlog ui` web server (placeholder until the server lands).
export {};
