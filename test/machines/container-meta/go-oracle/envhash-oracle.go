// envhash-oracle prints the test vectors for kruised's env-from-metadata hash
// (machines/container-meta/), with every expected value computed by Go's own standard library:
// encoding/json (json.Marshal of []EnvVar, json.Unmarshal of API JSON), strings (TrimSpace,
// Split, SplitN), sort (SliceStable) and hash/fnv (New32a): the packages kruise-manager and
// kruise-daemon run. Kruise itself is not imported (this program is ours, stdlib only); the two
// pieces it adds are written out below from their documented behaviour:
//   - go-spew's `%#v` of a []byte, as Kubernetes' hashutil.DeepHashObject prints it:
//     `([]uint8)[` + decimal bytes separated by single spaces + `]`. The four vectors of the
//     contract (kruise-daemon-contract.md §7.3), which came from real go-spew 1.1.1, are the
//     first "encode" vectors below, so a wrong emulation fails them;
//   - the selection of env entries (empty value, a valueFrom.fieldRef, not SIDECARSET_VERSION[_ALT],
//     fieldPath `metadata.labels['k']` / `metadata.annotations['k']` split as Kubernetes'
//     fieldpath.SplitMaybeSubscriptedPath does), used by the "expected" vectors.
//
// The cases are hand-picked ones plus a generator of hard ones (seeded, so the output is stable):
// unicode, control bytes, `=` in values, empty values, leading/trailing white space including
// U+0085 and U+FEFF, HTML characters, U+2028/9, invalid UTF-8 (lone surrogates in CESU form,
// overlong forms, truncated sequences), sorting ties, many entries. Bytes are written in hex, so
// invalid UTF-8 reaches the TypeScript tests intact.
//
// Regenerate (Go 1.23, as kruise builds with; scripts/go-oracle.sh installs it):
//
//	GOTOOLCHAIN=local /usr/lib/go-1.23/bin/go run envhash-oracle.go > vectors.jsonl
//
// test/machines/container-meta/go-oracle.int.test.ts runs it and compares with vectors.jsonl.
package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

type envVar struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
}

// spewByteSlice is go-spew's `%#v` of a []byte.
func spewByteSlice(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = strconv.Itoa(int(c))
	}
	return "([]uint8)[" + strings.Join(parts, " ") + "]"
}

// hashEnvs is kruise's hashEnvs after its sort: stable sort by name, json.Marshal, spew, FNV-1a 32.
func hashEnvs(envs []envVar) ([]byte, uint32) {
	sort.SliceStable(envs, func(i, j int) bool { return envs[i].Name < envs[j].Name })
	out, err := json.Marshal(envs)
	if err != nil {
		panic(err)
	}
	h := fnv.New32a()
	h.Write([]byte(spewByteSlice(out)))
	return out, h.Sum32()
}

// ---------------------------------------------------------------------------------------------
// Vector shapes (bytes as hex)

type hexEnv struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type encodeVector struct {
	Note    string   `json:"note,omitempty"`
	Entries []hexEnv `json:"entries"`
	JSON    string   `json:"json"`
	Hash    uint32   `json:"hash"`
}

type trimVector struct {
	In  string `json:"in"`
	Out string `json:"out"`
}

type execVector struct {
	Note   string   `json:"note,omitempty"`
	Stdout string   `json:"stdout"`
	Names  []string `json:"names"`
	Values []string `json:"values"`
	Hash   uint32   `json:"hash"`
}

type fieldRef struct {
	FieldPath string `json:"fieldPath"`
}

type valueFrom struct {
	FieldRef *fieldRef `json:"fieldRef"`
}

type specEnv struct {
	Name      string     `json:"name"`
	Value     string     `json:"value,omitempty"`
	ValueFrom *valueFrom `json:"valueFrom"`
}

type expectedVector struct {
	Note        string            `json:"note,omitempty"`
	Env         []specEnv         `json:"env"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	Hash        uint32            `json:"hash"`
}

type apiJSONVector struct {
	Text string `json:"text"`
	Hash uint32 `json:"hash"`
}

type fixture struct {
	Encode    []encodeVector
	TrimSpace []trimVector
	ExecEnv   []execVector
	Expected  []expectedVector
	APIJSON   []apiJSONVector
}

func hx(s string) string { return hex.EncodeToString([]byte(s)) }

// ---------------------------------------------------------------------------------------------
// What each vector kind computes

func encodeCase(note string, envs []envVar) encodeVector {
	v := encodeVector{Note: note, Entries: []hexEnv{}}
	for _, e := range envs {
		v.Entries = append(v.Entries, hexEnv{hx(e.Name), hx(e.Value)})
	}
	var list []envVar // nil when empty, as kruise's append-built list
	list = append(list, envs...)
	out, h := hashEnvs(list)
	v.JSON, v.Hash = hex.EncodeToString(out), h
	return v
}

// execCase parses stdout as kruise-daemon's wrapEnvGetter does, looks up each name, and hashes
// the list as GetCurrentHash builds it (names in spec order).
func execCase(note, stdout string, names []string) execVector {
	envMap := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		words := strings.SplitN(strings.TrimSpace(l), "=", 2)
		if len(words) == 2 {
			envMap[words[0]] = words[1]
		}
	}
	v := execVector{Note: note, Stdout: hx(stdout), Names: []string{}, Values: []string{}}
	var envs []envVar
	for _, n := range names {
		v.Names = append(v.Names, hx(n))
		v.Values = append(v.Values, hx(envMap[n]))
		envs = append(envs, envVar{Name: n, Value: envMap[n]})
	}
	_, v.Hash = hashEnvs(envs)
	return v
}

func splitMaybeSubscriptedPath(fieldPath string) (string, string, bool) {
	if !strings.HasSuffix(fieldPath, "']") {
		return fieldPath, "", false
	}
	inner := strings.TrimSuffix(fieldPath, "']")
	open := strings.Index(inner, "['")
	if open <= 0 {
		return fieldPath, "", false
	}
	return inner[:open], inner[open+2:], true
}

var excluded = map[string]bool{"SIDECARSET_VERSION": true, "SIDECARSET_VERSION_ALT": true}

func expectedCase(note string, env []specEnv, labels, annotations map[string]string) expectedVector {
	var envs []envVar
	for _, e := range env {
		if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || excluded[e.Name] {
			continue
		}
		path, key, ok := splitMaybeSubscriptedPath(e.ValueFrom.FieldRef.FieldPath)
		if !ok {
			continue
		}
		switch path {
		case "metadata.annotations":
			envs = append(envs, envVar{e.Name, annotations[key]})
		case "metadata.labels":
			envs = append(envs, envVar{e.Name, labels[key]})
		}
	}
	_, h := hashEnvs(envs)
	return expectedVector{Note: note, Env: env, Labels: labels, Annotations: annotations, Hash: h}
}

// apiJSONCase: the env list as Go's decoder reads it from API JSON text (lone surrogate escapes
// become U+FFFD), then hashed.
func apiJSONCase(text string) apiJSONVector {
	var envs []envVar
	if err := json.Unmarshal([]byte(text), &envs); err != nil {
		panic(err)
	}
	_, h := hashEnvs(envs)
	return apiJSONVector{text, h}
}

// ---------------------------------------------------------------------------------------------
// Generator of hard cases

var spaces = []string{" ", "\t", "\n", "\r", "\v", "\f", "\u0085", "\u00a0", "\u1680", "\u2000", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000"}

var notSpaces = []string{"\ufeff", "\u180e", "\u200b", "\x00", "\x1c", "\u0084", "\u00ad"}

var validPieces = []string{
	"a", "Z", "0", "_", "-", ".", "=", "==", "+", "/", "'", "[", "]", "\"", "\\", "<", ">", "&", "</script>", "&amp;",
	"\b", "\f", "\n", "\r", "\t", "\x00", "\x01", "\x1b", "\x1f", "\x7f",
	"é", "€", "日本", "😀", "\ue000", "\U0010ffff", "\ufffd", "\ufffe", "\uffff", "\u2028", "\u2029",
	"\u0085", "\u00a0", "\u3000", "\ufeff", "\u200b",
}

var invalidPieces = []string{
	"\xff", "\xfe", "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xf0\x80\x80\x80",
	"\xed\xa0\x80", "\xed\xbf\xbf", "\xed\xa0\xbd\xed\xb8\x80", "\xf4\x90\x80\x80", "\xf5", "\xf8",
	"\xe2\x82", "\xf0\x9f\x98", "\xc2", "\xe2", "\xf0",
}

type gen struct{ r *rand.Rand }

func (g gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g gen) word() string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
	n := 1 + g.r.IntN(6)
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[g.r.IntN(len(letters))]
	}
	return string(b)
}

// text: 0..maxPieces pieces; with invalid, also bytes that are not UTF-8 (alone, or glued into
// sequences that become valid, e.g. "\xc2" then "\x85").
func (g gen) text(maxPieces int, invalid bool) string {
	var b strings.Builder
	n := g.r.IntN(maxPieces + 1)
	for i := 0; i < n; i++ {
		switch k := g.r.IntN(10); {
		case k < 4:
			b.WriteString(g.word())
		case k < 5:
			b.WriteString(g.pick(spaces))
		case k < 8 || !invalid:
			b.WriteString(g.pick(validPieces))
		default:
			b.WriteString(g.pick(invalidPieces))
		}
	}
	return b.String()
}

func (g gen) padding(max int) string {
	var b strings.Builder
	for n := g.r.IntN(max + 1); n > 0; n-- {
		if g.r.IntN(5) == 0 {
			b.WriteString(g.pick(notSpaces))
		} else {
			b.WriteString(g.pick(spaces))
		}
	}
	return b.String()
}

// A small pool of names, so that sorting meets ties, and names that sort differently by bytes
// than by UTF-16 (U+E000 vs U+1F600) or hold bytes that are not UTF-8.
var namePool = []string{"A", "B", "a", "b", "A1", "A_B", "_X", "Z", "é", "😀", "\ue000", "\uffff", "A=B", "", " A", "x\xff", "\xff", "\xc3"}

// Names a pod spec can give (valid UTF-8; exec names are looked up with them).
var specNamePool = []string{"A", "B", "a", "A1", "A_B", "_X", "VERSION", "POD_LABEL", "é", "😀", "\ue000", "A B", "path", "PATH"}

func main() {
	g := gen{rand.New(rand.NewPCG(20240610, 10))}
	var f fixture

	// encode: the contract's four vectors first (from real go-spew), then hand-picked, then generated
	f.Encode = append(f.Encode,
		encodeCase("contract: none", nil),
		encodeCase("contract: e2=foo", []envVar{{"e2", "foo"}}),
		encodeCase("contract: e2 empty", []envVar{{"e2", ""}}),
		encodeCase("contract: A=1, B=2", []envVar{{"A", "1"}, {"B", "2"}}),
		encodeCase("html escapes", []envVar{{"H", "<a href=\"x\">&amp;</a>"}}),
		encodeCase("short escapes and \\u00XX", []envVar{{"C", "\b\f\n\r\t\x00\x01\x1f\x7f\\\""}}),
		encodeCase("line and paragraph separators", []envVar{{"L", "a\u2028b\u2029c"}}),
		encodeCase("invalid bytes vs a real U+FFFD", []envVar{{"I", "\xff\ufffd\xed\xa0\x80\xc0\x80"}}),
		encodeCase("truncated sequence at the end", []envVar{{"T", "ok\xe2\x82"}}),
		encodeCase("ties keep their order", []envVar{{"B", "1"}, {"A", "x"}, {"B", "2"}, {"A", ""}, {"B", "3"}}),
		encodeCase("byte order, not UTF-16 order", []envVar{{"😀", "1"}, {"\ue000", "2"}, {"\uffff", "3"}, {"é", "4"}}),
		encodeCase("equals signs and spaces kept", []envVar{{"E", " a=b = c "}}),
		encodeCase("non-ASCII", []envVar{{"N", "日本語 é 😀 \u00a0\u0085\ufeff"}}),
	)
	for i := 0; i < 300; i++ {
		n := g.r.IntN(9)
		if i%50 == 0 {
			n = 20 + g.r.IntN(60) // many entries
		}
		envs := make([]envVar, n)
		for j := range envs {
			name := g.pick(namePool)
			if g.r.IntN(3) == 0 {
				name = g.text(3, true)
			}
			value := ""
			if g.r.IntN(5) != 0 {
				value = g.text(8, true)
			}
			envs[j] = envVar{name, value}
		}
		f.Encode = append(f.Encode, encodeCase("", envs))
	}

	// trimSpace: Go's strings.TrimSpace on padded text
	for _, s := range []string{"", " ", "\u0085x\u0085", "\ufeffx\ufeff", "\u00a0 x \u3000", "\xc2", "x\xc2\x85", "x\xe2\x80", " \xff ", "\u180ex\u180e", "\u200b x \u200b"} {
		f.TrimSpace = append(f.TrimSpace, trimVector{hx(s), hx(strings.TrimSpace(s))})
	}
	for i := 0; i < 400; i++ {
		s := g.padding(4) + g.text(6, true) + g.padding(4)
		f.TrimSpace = append(f.TrimSpace, trimVector{hx(s), hx(strings.TrimSpace(s))})
	}

	// execEnv: `env` output as upstream parses it
	f.ExecEnv = append(f.ExecEnv,
		execCase("value with newline: upstream keeps the first line", "A=first\nsecond\nB=2\n", []string{"A", "B"}),
		execCase("a continuation line with = reads as a variable", "A=x\nB=y\n", []string{"A", "B"}),
		execCase("trailing blanks and CR trimmed, leading kept after =", "A=  v  \r\nB=\u0085w\u0085\r\n", []string{"A", "B"}),
		execCase("last one wins; missing is empty", "A=1\nA=2\n", []string{"A", "C"}),
		execCase("BOM is no space", "\ufeffA=1\nB=\ufeff\n", []string{"A", "B"}),
		execCase("empty output", "", []string{"A"}),
		execCase("cmd /c set with CRLF", "ALLUSERSPROFILE=C:\\ProgramData\r\nA=x y\r\nPath=C:\\Windows\r\n", []string{"A", "Path"}),
	)
	for i := 0; i < 250; i++ {
		var b strings.Builder
		for n := g.r.IntN(12); n > 0; n-- {
			switch g.r.IntN(12) {
			case 0:
				b.WriteString(g.padding(2)) // a blank line
			case 1:
				b.WriteString(g.text(4, true)) // a line that may have no '='
			default:
				name := g.pick(specNamePool)
				if g.r.IntN(6) == 0 {
					name = g.text(2, true)
				}
				b.WriteString(g.padding(1) + name + "=" + g.text(8, true) + g.padding(2))
			}
			if g.r.IntN(3) == 0 {
				b.WriteString("\r\n")
			} else {
				b.WriteString("\n")
			}
		}
		names := make([]string, g.r.IntN(6))
		for j := range names {
			names[j] = g.pick(specNamePool)
		}
		f.ExecEnv = append(f.ExecEnv, execCase("", b.String(), names))
	}

	// expected: selection + pod metadata
	ref := func(path string) *valueFrom { return &valueFrom{&fieldRef{path}} }
	labels := map[string]string{"app": "web", "version": "v2 <b>&", "a[b]c": "sub", "": "empty key", "x']": "odd"}
	annotations := map[string]string{"note": "日本 \u2028 é", "multi": "line1\nline2", "app": "from-annotation"}
	f.Expected = append(f.Expected,
		expectedCase("selection rules", []specEnv{
			{Name: "L", ValueFrom: ref("metadata.labels['app']")},
			{Name: "A", ValueFrom: ref("metadata.annotations['note']")},
			{Name: "V", Value: "set", ValueFrom: ref("metadata.labels['app']")},
			{Name: "SIDECARSET_VERSION", ValueFrom: ref("metadata.labels['version']")},
			{Name: "SIDECARSET_VERSION_ALT", ValueFrom: ref("metadata.labels['version']")},
			{Name: "N", ValueFrom: ref("metadata.name")},
			{Name: "NF", ValueFrom: &valueFrom{}},
			{Name: "NV"},
			{Name: "S", ValueFrom: ref("metadata.labels['a[b]c']")},
			{Name: "E", ValueFrom: ref("metadata.labels['']")},
			{Name: "Q", ValueFrom: ref("metadata.labels['x']']")},
			{Name: "P", ValueFrom: ref("['app']")},
			{Name: "U", ValueFrom: ref("metadata.labels[app]")},
			{Name: "O", ValueFrom: ref("metadata.namespace['app']")},
			{Name: "M", ValueFrom: ref("metadata.annotations['missing']")},
			{Name: "ML", ValueFrom: ref("metadata.annotations['multi']")},
		}, labels, annotations),
		expectedCase("nothing selected hashes null", []specEnv{{Name: "X", Value: "1"}}, labels, annotations),
		expectedCase("duplicate names keep spec order", []specEnv{
			{Name: "D", ValueFrom: ref("metadata.labels['version']")},
			{Name: "D", ValueFrom: ref("metadata.labels['app']")},
			{Name: "C", ValueFrom: ref("metadata.annotations['app']")},
		}, labels, annotations),
	)
	paths := []string{"metadata.labels['%s']", "metadata.annotations['%s']", "metadata.name", "metadata.labels", "status.podIP", "metadata.labels['%s'] ", "spec.x['%s']"}
	for i := 0; i < 150; i++ {
		keys := []string{"app", "ver", "k8s.io/x", "a.b", "Z", "x']y"}
		ls, as := map[string]string{}, map[string]string{}
		for _, k := range keys {
			if g.r.IntN(3) != 0 {
				ls[k] = g.text(6, false)
			}
			if g.r.IntN(3) != 0 {
				as[k] = g.text(8, false)
			}
		}
		env := make([]specEnv, g.r.IntN(10))
		for j := range env {
			e := specEnv{Name: g.pick(specNamePool)}
			if g.r.IntN(10) == 0 {
				e.Name = g.pick([]string{"SIDECARSET_VERSION", "SIDECARSET_VERSION_ALT"})
			}
			switch g.r.IntN(10) {
			case 0:
				e.Value = g.word()
			case 1:
				e.ValueFrom = &valueFrom{}
			case 2:
			default:
				p := g.pick(paths)
				if strings.Contains(p, "%s") {
					p = fmt.Sprintf(p, g.pick(keys))
				}
				e.ValueFrom = ref(p)
				if g.r.IntN(8) == 0 {
					e.Value = g.word()
				}
			}
			env[j] = e
		}
		f.Expected = append(f.Expected, expectedCase("", env, ls, as))
	}

	// apiJson: JSON from the API holding lone surrogate escapes, as Go's decoder reads it
	for _, t := range []string{
		`[{"name":"A","value":"\ud800"}]`,
		`[{"name":"A","value":"x\udc80y"}]`,
		`[{"name":"A","value":"\ud83d\ude00"}]`,
		`[{"name":"A","value":"\ude00\ud83d"}]`,
		`[{"name":"\udfff","value":"\ufffd"}]`,
		`[{"name":"B","value":"\u2028<&>"},{"name":"A","value":""}]`,
	} {
		f.APIJSON = append(f.APIJSON, apiJSONCase(t))
	}

	// JSON Lines: a header, then one vector per line, each tagged with its kind.
	var out bytes.Buffer
	line := func(kind string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(&out, "{\"kind\":%q,%s\n", kind, b[1:])
	}
	line("header", map[string]string{
		"comment": "Generated by envhash-oracle.go with Go's standard library; do not edit. Bytes are hex. See the program's comment.",
		"go":      goMinor(),
	})
	for _, v := range f.Encode {
		line("encode", v)
	}
	for _, v := range f.TrimSpace {
		line("trimSpace", v)
	}
	for _, v := range f.ExecEnv {
		line("execEnv", v)
	}
	for _, v := range f.Expected {
		line("expected", v)
	}
	for _, v := range f.APIJSON {
		line("apiJson", v)
	}
	os.Stdout.Write(out.Bytes())
}

// goMinor is "go1.23" for go1.23.5: patch releases do not change these packages' output.
func goMinor() string {
	v := runtime.Version()
	if parts := strings.SplitN(v, ".", 3); len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return v
}
