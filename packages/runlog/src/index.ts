/**
 * runlog: the TypeScript-native MLflow. This package is what users install; it re-exports the
 * public API of @runlog/core (and, as they land, models and framework plugins).
 */
export * from '@runlog/core';
