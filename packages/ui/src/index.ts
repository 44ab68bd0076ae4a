/**
 * @runlog/ui: the `runlog ui` web server. `startUiServer` serves the bundled browser app and
 * MLflow's REST API over a local store (from an in-memory run index) or in front of an MLflow
 * tracking server (forwarding with the environment's credentials).
 *
 * @packageDocumentation
 */
export { startUiServer, type UiServer, type UiServerOptions } from './ui-server.js';
export { WEB_APP_BUILD_HINT } from './http/web-app-missing.js';
