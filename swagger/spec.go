package swagger

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/go-openapi/loads"
	"github.com/go-openapi/runtime/middleware"
	"github.com/go-openapi/spec"
	"gopkg.in/yaml.v3"
)

//go:embed swagger.yaml
var specYAML []byte

// BasePath is the spec's basePath: spec paths are relative to it.
const BasePath = "/api"

// SpecURL is where Handler serves the spec; UIPath where it serves the UI.
const (
	SpecURL = BasePath + "/swagger.json"
	UIPath  = BasePath + "/docs"
)

var (
	loadOnce sync.Once
	specJSON []byte
	expanded *spec.Swagger
	loadErr  error
)

// load converts the embedded YAML to JSON once, and analyses and expands it.
func load() ([]byte, *spec.Swagger, error) {
	loadOnce.Do(func() {
		var doc any
		if err := yaml.Unmarshal(specYAML, &doc); err != nil {
			loadErr = fmt.Errorf("swagger: embedded spec: %w", err)
			return
		}
		b, err := json.MarshalIndent(stringKeys(doc), "", "  ")
		if err != nil {
			loadErr = fmt.Errorf("swagger: embedded spec: %w", err)
			return
		}
		d, err := loads.Analyzed(b, "2.0")
		if err != nil {
			loadErr = fmt.Errorf("swagger: embedded spec: %w", err)
			return
		}
		x, err := d.Expanded()
		if err != nil {
			loadErr = fmt.Errorf("swagger: expanding the embedded spec: %w", err)
			return
		}
		specJSON, expanded = b, x.Spec()
	})
	return specJSON, expanded, loadErr
}

// stringKeys turns YAML's integer map keys (status codes) into strings.
func stringKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = stringKeys(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = stringKeys(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = stringKeys(e)
		}
	}
	return v
}

// JSON returns the spec as a JSON document.
func JSON() ([]byte, error) {
	b, _, err := load()
	return b, err
}

// Spec returns the spec with every $ref expanded.
func Spec() (*spec.Swagger, error) {
	_, s, err := load()
	return s, err
}

// Handler serves the spec at SpecURL and the Swagger UI at UIPath. The UI
// page loads its scripts from the Swagger UI distribution's CDN; the spec
// itself is served from here.
func Handler() (http.Handler, error) {
	b, err := JSON()
	if err != nil {
		return nil, err
	}
	serveSpec := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
	mux := http.NewServeMux()
	mux.Handle("GET "+SpecURL, serveSpec)
	ui := middleware.SwaggerUI(middleware.SwaggerUIOpts{
		BasePath: BasePath, Path: "docs", SpecURL: SpecURL, Title: "intermw API",
	}, http.NotFoundHandler())
	mux.Handle("GET "+UIPath, ui)
	return mux, nil
}

// Paths returns the spec's operations: each path (relative to BasePath)
// with its methods, sorted.
func Paths() (map[string][]string, error) {
	s, err := Spec()
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for p, item := range s.Paths.Paths {
		for method, op := range operations(item) {
			if op != nil {
				out[p] = append(out[p], method)
			}
		}
		sort.Strings(out[p])
	}
	return out, nil
}

func operations(item spec.PathItem) map[string]*spec.Operation {
	return map[string]*spec.Operation{
		http.MethodGet: item.Get, http.MethodPut: item.Put, http.MethodPost: item.Post,
		http.MethodDelete: item.Delete, http.MethodPatch: item.Patch, http.MethodHead: item.Head,
		http.MethodOptions: item.Options,
	}
}

// ErrUnknownOperation: the spec has no such method and path.
var ErrUnknownOperation = errors.New("swagger: no such operation in the spec")

// operation returns the operation of method and specPath.
func operation(method, specPath string) (*spec.Operation, error) {
	s, err := Spec()
	if err != nil {
		return nil, err
	}
	item, ok := s.Paths.Paths[specPath]
	if !ok {
		return nil, fmt.Errorf("%w: %s %s", ErrUnknownOperation, method, specPath)
	}
	op := operations(item)[strings.ToUpper(method)]
	if op == nil {
		return nil, fmt.Errorf("%w: %s %s", ErrUnknownOperation, method, specPath)
	}
	return op, nil
}

// MatchPath finds the spec path template a request path (with or without
// BasePath, still escaped) stands for, e.g. /api/mw2mw/clients/a%2Fb →
// /mw2mw/clients/{clientId}. Literal segments win over parameters.
func MatchPath(requestPath string) (string, bool) {
	s, err := Spec()
	if err != nil {
		return "", false
	}
	p := strings.TrimPrefix(requestPath, BasePath)
	segs := strings.Split(strings.Trim(p, "/"), "/")
	best, bestScore := "", -1
	for tmpl := range s.Paths.Paths {
		ts := strings.Split(strings.Trim(tmpl, "/"), "/")
		if len(ts) != len(segs) {
			continue
		}
		score := 0
		ok := true
		for i, t := range ts {
			if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
				if segs[i] == "" {
					ok = false
					break
				}
				continue
			}
			if t != segs[i] {
				ok = false
				break
			}
			score++
		}
		if ok && score > bestScore {
			best, bestScore = tmpl, score
		}
	}
	return best, bestScore >= 0
}
