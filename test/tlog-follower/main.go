// Command tlog-follower follows a Sealtrail log over HTTP the way a standard transparency-log
// client does, with golang.org/x/mod's sumdb/note and sumdb/tlog, unchanged:
//
//   - GET /checkpoint and open it with note.NewVerifier + note.Open (C2SP signed note);
//   - read the tree through tlog.TileHashReader, whose tiles are fetched from
//     GET /tile/<L>/<N>[.p/<W>] (C2SP tlog-tiles, height 8) and checked against the
//     checkpoint's root (but see below), and check tlog.TreeHash against that root;
//   - GET every entry bundle /tile/entries/<N>[.p/<W>] and check that tlog.RecordHash of each
//     entry is the level-0 hash the tiles hold for it;
//   - rebuild the tree from the entries (tlog.StoredHashes), check its tlog.TreeHash against the
//     checkpoint's root, and check every tile fetched against tlog.ReadTileData of that tree.
//
// The last step is not redundant: TileHashReader.ReadHashes authenticates the non-tree-hash
// tiles it fetches from position len(stx) of its tile list on, but the tree-hash tiles before
// them are de-duplicated, so when several of the tree's complete subtrees share a tile (tree
// sizes with many one bits, such as 70 555), that many of the following tiles are returned
// without being checked against their parent. Checking every tile against the tree rebuilt from
// the entries closes that gap.
//
// It prints {"origin","size","root","entries",…} as JSON and exits 1 on any mismatch, with
// "FAIL: …" on stderr.
//
// Usage: tlog-follower BASE_URL API_KEY VERIFIER_KEY   (API_KEY "" sends no Authorization)
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// tileHeight is C2SP tlog-tiles' fixed tile height: 256 hashes per full tile.
const tileHeight = 8

const fullWidth = 1 << tileHeight

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

// server fetches C2SP resources with the API key, and counts what it fetched.
type server struct {
	base   string
	apiKey string
	client *http.Client
	// Requests answered 200, partial tiles answered 404 and read from the full tile instead.
	fetched   int
	fallbacks int
	// Raw responses by path. Safe to keep unverified: TileHashReader authenticates every tile
	// against the tree hash again on each ReadHashes call.
	cache map[string][]byte
}

type httpStatusError struct {
	path   string
	status int
	body   string
}

func (e *httpStatusError) Error() string {
	return fmt.Sprintf("GET %s: HTTP %d %s", e.path, e.status, e.body)
}

// get fetches base+path; 429 and 503 are retried after their Retry-After (a few times).
func (s *server) get(path string) ([]byte, error) {
	if data, ok := s.cache[path]; ok {
		return data, nil
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequest("GET", s.base+"/"+path, nil)
		if err != nil {
			return nil, err
		}
		if s.apiKey != "" {
			req.Header.Set("Authorization", "Bearer "+s.apiKey)
		}
		resp, err := s.client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("GET %s: %v", path, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("GET %s: %v", path, err)
		}
		if (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) && attempt < 20 {
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			if wait < 1 {
				wait = 1
			}
			if wait > 5 {
				wait = 5
			}
			time.Sleep(time.Duration(wait) * time.Second)
			continue
		}
		if resp.StatusCode != http.StatusOK {
			excerpt := string(body)
			if len(excerpt) > 300 {
				excerpt = excerpt[:300]
			}
			return nil, &httpStatusError{path: path, status: resp.StatusCode, body: excerpt}
		}
		s.fetched++
		s.cache[path] = body
		return body, nil
	}
}

// c2spPath maps a sumdb tile (path tile/8/L/N[.p/W], or tile/8/data/N[.p/W] for L = -1) to
// its C2SP tlog-tiles path, which has no height: tile/L/N[.p/W], tile/entries/N[.p/W]. The
// N encoding (x001/x234/067) is the same in both.
func c2spPath(t tlog.Tile) string {
	if t.H != tileHeight {
		fail("tile %v: C2SP tiles have height %d", t, tileHeight)
	}
	p := t.Path()
	prefix := fmt.Sprintf("tile/%d/", tileHeight)
	if !strings.HasPrefix(p, prefix) {
		fail("unexpected sumdb tile path %q", p)
	}
	p = "tile/" + strings.TrimPrefix(p, prefix)
	if t.L == -1 {
		p = "tile/entries/" + strings.TrimPrefix(p, "tile/data/")
	}
	return p
}

// fetchTile returns a tile's data. A partial tile that is no longer served (404: the log grew
// past it) is read from the full tile instead, as C2SP allows; full is then true.
func (s *server) fetchTile(t tlog.Tile) (data []byte, full bool, err error) {
	data, err = s.get(c2spPath(t))
	if statusErr, ok := err.(*httpStatusError); ok && statusErr.status == http.StatusNotFound && t.W < fullWidth {
		wide := t
		wide.W = fullWidth
		if data, err = s.get(c2spPath(wide)); err == nil {
			s.fallbacks++
			return data, true, nil
		}
	}
	return data, false, err
}

// tileReader is a tlog.TileReader over HTTP. It keeps every tile it returned, to be checked
// against the tree rebuilt from the entries.
type tileReader struct {
	s    *server
	seen map[tlog.Tile][]byte
}

func (r tileReader) Height() int { return tileHeight }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, full, err := r.s.fetchTile(t)
		if err != nil {
			return nil, err
		}
		want := t.W * tlog.HashSize
		if full && len(data) == fullWidth*tlog.HashSize {
			data = data[:want]
		}
		if len(data) != want {
			return nil, fmt.Errorf("%s: %d bytes, want %d (%d hashes)", c2spPath(t), len(data), want, t.W)
		}
		out[i] = data
		r.seen[t] = data
	}
	return out, nil
}

func (r tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// splitBundle splits an entry bundle: each entry is a big-endian uint16 length and its bytes.
func splitBundle(data []byte) ([][]byte, error) {
	var entries [][]byte
	for off := 0; off < len(data); {
		if len(data)-off < 2 {
			return nil, fmt.Errorf("truncated length at byte %d", off)
		}
		n := int(data[off])<<8 | int(data[off+1])
		off += 2
		if len(data)-off < n {
			return nil, fmt.Errorf("entry %d: length %d overruns the bundle", len(entries), n)
		}
		entries = append(entries, data[off:off+n])
		off += n
	}
	return entries, nil
}

type summary struct {
	Origin    string `json:"origin"`
	Size      int64  `json:"size"`
	Root      string `json:"root"`
	Entries   int64  `json:"entries"`
	Tiles     int    `json:"tiles"`
	Requests  int    `json:"requests"`
	Fallbacks int    `json:"fallbacks"`
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: tlog-follower BASE_URL API_KEY VERIFIER_KEY")
	}
	s := &server{
		base:   strings.TrimSuffix(os.Args[1], "/"),
		apiKey: os.Args[2],
		client: &http.Client{Timeout: 60 * time.Second},
		cache:  map[string][]byte{},
	}
	verifier, err := note.NewVerifier(os.Args[3])
	if err != nil {
		fail("note.NewVerifier: %v", err)
	}

	// The checkpoint: a signed note whose text is <origin>\n<size>\n<base64 root>\n[extensions].
	// (tlog.ParseTree accepts only the go.sum header, so the three lines are parsed here.)
	raw, err := s.get("checkpoint")
	if err != nil {
		fail("%v", err)
	}
	n, err := note.Open(raw, note.VerifierList(verifier))
	if err != nil {
		fail("note.Open(checkpoint): %v", err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		fail("checkpoint text has no origin, size and root lines: %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		fail("checkpoint size %q", lines[1])
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		fail("checkpoint root %q", lines[2])
	}
	var root tlog.Hash
	copy(root[:], rootBytes)
	tree := tlog.Tree{N: size, Hash: root}

	// The tree hash, from tiles that TileHashReader authenticates against the tree hash.
	tiles := tileReader{s: s, seen: map[tlog.Tile][]byte{}}
	hashes := tlog.TileHashReader(tree, tiles)
	th, err := tlog.TreeHash(size, hashes)
	if err != nil {
		fail("tlog.TreeHash(%d) from the tiles: %v", size, err)
	}
	if th != root {
		fail("tree hash from the tiles %s != checkpoint root %s", th, root)
	}

	// The tree rebuilt from the entries, as a tlog server stores it.
	var local []tlog.Hash
	localHashes := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(local)) {
				return nil, fmt.Errorf("hash %d is not in the tree rebuilt from the entries", x)
			}
			out[i] = local[x]
		}
		return out, nil
	})

	// Every entry bundle: tlog.RecordHash of each entry must be its level-0 hash in the tiles.
	var entries int64
	for b := int64(0); b*fullWidth < size; b++ {
		w := size - b*fullWidth
		if w > fullWidth {
			w = fullWidth
		}
		indexes := make([]int64, w)
		for i := range indexes {
			indexes[i] = tlog.StoredHashIndex(0, b*fullWidth+int64(i))
		}
		leaves, err := hashes.ReadHashes(indexes)
		if err != nil {
			fail("level-0 hashes of bundle %d: %v", b, err)
		}
		bundle := tlog.Tile{H: tileHeight, L: -1, N: b, W: int(w)}
		data, full, err := s.fetchTile(bundle)
		if err != nil {
			fail("%v", err)
		}
		records, err := splitBundle(data)
		if err != nil {
			fail("%s: %v", c2spPath(bundle), err)
		}
		if full && len(records) == fullWidth {
			records = records[:w]
		}
		if int64(len(records)) != w {
			fail("%s: %d entries, want %d", c2spPath(bundle), len(records), w)
		}
		for i, record := range records {
			seq := b*fullWidth + int64(i)
			if h := tlog.RecordHash(record); h != leaves[i] {
				fail("entry %d (%s): tlog.RecordHash %s != level-0 tile hash %s", seq, c2spPath(bundle), h, leaves[i])
			}
			stored, err := tlog.StoredHashes(seq, record, localHashes)
			if err != nil {
				fail("tlog.StoredHashes(%d): %v", seq, err)
			}
			local = append(local, stored...)
			entries++
		}
	}

	if th, err := tlog.TreeHash(size, localHashes); err != nil || th != root {
		fail("tree hash of the entries %s != checkpoint root %s (%v)", th, root, err)
	}
	for t, data := range tiles.seen {
		want, err := tlog.ReadTileData(t, localHashes)
		if err != nil {
			fail("tlog.ReadTileData(%s): %v", c2spPath(t), err)
		}
		if !bytes.Equal(data, want) {
			fail("%s differs from the tile rebuilt from the entries (tlog.TileHashReader let it through)", c2spPath(t))
		}
	}

	out, _ := json.Marshal(summary{
		Origin:    lines[0],
		Size:      size,
		Root:      base64.StdEncoding.EncodeToString(root[:]),
		Entries:   entries,
		Tiles:     len(tiles.seen),
		Requests:  s.fetched,
		Fallbacks: s.fallbacks,
	})
	fmt.Println(string(out))
}
