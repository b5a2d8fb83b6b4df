package store

// Migrations is the embedded migrations directory, for tests that migrate
// step by step.
var Migrations = migrations
