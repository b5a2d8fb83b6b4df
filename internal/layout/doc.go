// Package layout holds no code, only the test that keeps iamd's layout as
// conventions.md describes it: pure packages stay pure, imports point down
// the layers (pure ← wire ← authz/mfa ← domains ← store/authn ←
// gateway/console ← cmd), every package has a doc, every exported name a doc
// comment, and no package is a drawer of unrelated helpers.
package layout
