// Command go-interop checks Sealtrail's output with golang.org/x/mod's sumdb/note and
// sumdb/tlog, unchanged: the signed checkpoint must open with the verifier key, the tree hash
// of the exported leaves must equal the checkpoint's root, and the printed inclusion and
// consistency proofs must pass tlog.CheckRecord and tlog.CheckTree.
//
// Usage: go-interop VERIFIER_KEY CHECKPOINT_FILE EXPORT_NDJSON INCLUSION_JSON CONSISTENCY_JSON OLD_CHECKPOINT_FILE
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func openCheckpoint(path string, verifiers note.Verifiers) checkpoint {
	raw, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	n, err := note.Open(raw, verifiers)
	if err != nil {
		fail("note.Open(%s): %v", path, err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		fail("checkpoint text has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		fail("checkpoint root: %v", err)
	}
	var root tlog.Hash
	copy(root[:], rootBytes)
	return checkpoint{origin: lines[0], size: size, root: root}
}

func decodeHashes(list []string) tlog.TreeProof {
	out := make(tlog.TreeProof, len(list))
	for i, s := range list {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			fail("proof hash %d: %v", i, err)
		}
		copy(out[i][:], b)
	}
	return out
}

func main() {
	if len(os.Args) != 7 {
		fail("usage: go-interop VERIFIER_KEY CHECKPOINT EXPORT INCLUSION CONSISTENCY OLD_CHECKPOINT")
	}
	verifier, err := note.NewVerifier(os.Args[1])
	if err != nil {
		fail("note.NewVerifier: %v", err)
	}
	verifiers := note.VerifierList(verifier)
	cp := openCheckpoint(os.Args[2], verifiers)
	old := openCheckpoint(os.Args[6], verifiers)

	// Store every hash of the tree built from the exported records, as a tlog server would.
	file, err := os.Open(os.Args[3])
	if err != nil {
		fail("%v", err)
	}
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = stored[x]
		}
		return out, nil
	})
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	var n int64
	var leaves []tlog.Hash
	for scanner.Scan() {
		record := scanner.Bytes()
		hashes, err := tlog.StoredHashes(n, record, reader)
		if err != nil {
			fail("StoredHashes(%d): %v", n, err)
		}
		stored = append(stored, hashes...)
		leaves = append(leaves, tlog.RecordHash(record))
		n++
	}
	if n != cp.size {
		fail("export has %d records, checkpoint covers %d", n, cp.size)
	}
	th, err := tlog.TreeHash(n, reader)
	if err != nil {
		fail("TreeHash: %v", err)
	}
	if th != cp.root {
		fail("tree hash of the export %s != checkpoint root %s", th, cp.root)
	}
	oldHash, err := tlog.TreeHash(old.size, reader)
	if err != nil || oldHash != old.root {
		fail("tree hash at old size %d does not match the old checkpoint", old.size)
	}

	var inclusion struct {
		Index    int64    `json:"index"`
		TreeSize int64    `json:"tree_size"`
		LeafHash string   `json:"leaf_hash"`
		Proof    []string `json:"proof"`
	}
	raw, _ := os.ReadFile(os.Args[4])
	if err := json.Unmarshal(raw, &inclusion); err != nil {
		fail("inclusion JSON: %v", err)
	}
	if inclusion.TreeSize != cp.size {
		fail("inclusion proof is for size %d, checkpoint is %d", inclusion.TreeSize, cp.size)
	}
	if base64.StdEncoding.EncodeToString(leaves[inclusion.Index][:]) != inclusion.LeafHash {
		fail("leaf_hash differs from tlog.RecordHash of record %d", inclusion.Index)
	}
	if err := tlog.CheckRecord(tlog.RecordProof(decodeHashes(inclusion.Proof)), cp.size, cp.root, inclusion.Index, leaves[inclusion.Index]); err != nil {
		fail("tlog.CheckRecord: %v", err)
	}

	var consistency struct {
		From  int64    `json:"from_size"`
		To    int64    `json:"to_size"`
		Proof []string `json:"proof"`
	}
	raw, _ = os.ReadFile(os.Args[5])
	if err := json.Unmarshal(raw, &consistency); err != nil {
		fail("consistency JSON: %v", err)
	}
	if consistency.From != old.size || consistency.To != cp.size {
		fail("consistency proof is %d→%d, checkpoints are %d→%d", consistency.From, consistency.To, old.size, cp.size)
	}
	if err := tlog.CheckTree(decodeHashes(consistency.Proof), cp.size, cp.root, old.size, old.root); err != nil {
		fail("tlog.CheckTree: %v", err)
	}
	fmt.Printf("OK origin=%s size=%d records=%d inclusion=%d consistency=%d→%d\n", cp.origin, cp.size, n, inclusion.Index, old.size, cp.size)
}
