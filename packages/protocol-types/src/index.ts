// Anything exported here is public API.
export {};
