package bindgen

import (
	"strings"
	"testing"
	"time"
)

type Inner struct {
	When time.Time `json:"when"`
}

type Thing struct {
	Name    string            `json:"name"`
	Count   int               `json:"count,omitempty"`
	Tags    []string          `json:"tags"`
	Meta    map[string]Inner  `json:"meta"`
	Ptr     *Inner            `json:"ptr"`
	Dur     time.Duration     `json:"dur"`
	Any     any               `json:"any"`
	Hidden  string            `json:"-"`
	private string            //nolint:unused
	Raw     []byte            `json:"raw"`
	Nested  map[string]string `json:"nested-key"`
}

type Svc struct{}

func (*Svc) Get(id string, n int) (Thing, error) { return Thing{}, nil }
func (*Svc) Do() error                           { return nil }
func (*Svc) Names() []string                     { return nil }
func (*Svc) Skip() error                         { return nil }

type Bad struct{}

func (*Bad) Three() (int, int, error) { return 0, 0, nil }

func TestGenerate(t *testing.T) {
	files, err := Generate(&Svc{}, Options{Exempt: []string{"Skip"}})
	if err != nil {
		t.Fatal(err)
	}
	js := string(files["go/bindgen/Svc.js"])
	dts := string(files["go/bindgen/Svc.d.ts"])
	models := string(files["go/models.ts"])
	for _, want := range []string{
		"export function Get(arg1, arg2) {\n  return window['go']['bindgen']['Svc']['Get'](arg1, arg2);\n}",
		"export function Do() {",
	} {
		if !strings.Contains(js, want) {
			t.Errorf("js lacks %q:\n%s", want, js)
		}
	}
	if strings.Contains(js, "Skip") {
		t.Error("exempt method bound")
	}
	for _, want := range []string{
		"import {bindgen} from '../models';",
		"export function Get(arg1:string,arg2:number):Promise<bindgen.Thing>;",
		"export function Do():Promise<void>;",
		"export function Names():Promise<Array<string>>;",
	} {
		if !strings.Contains(dts, want) {
			t.Errorf("d.ts lacks %q:\n%s", want, dts)
		}
	}
	for _, want := range []string{
		"export namespace bindgen {", "export interface Inner {", "when: string;",
		"count?: number;", "tags: Array<string>;", "meta: Record<string, bindgen.Inner>;",
		"ptr: bindgen.Inner;", "dur: number;", "any: any;", "raw: string;", `"nested-key": Record<string, string>;`,
	} {
		if !strings.Contains(models, want) {
			t.Errorf("models lacks %q:\n%s", want, models)
		}
	}
	if strings.Contains(models, "Hidden") || strings.Contains(models, "private") {
		t.Errorf("models has hidden fields:\n%s", models)
	}
}

func TestGenerateErrors(t *testing.T) {
	if _, err := Generate(Svc{}, Options{}); err == nil {
		t.Error("non-pointer accepted")
	}
	if _, err := Generate(&Bad{}, Options{}); err == nil {
		t.Error("three results accepted")
	}
	if _, err := Generate(&Svc{}, Options{Extra: []any{map[int]string{}}}); err == nil {
		t.Error("map with int keys accepted")
	}
}
