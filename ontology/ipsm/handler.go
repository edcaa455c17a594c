package ipsm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/intermw/intermw/ontology/alignment"
	"github.com/intermw/intermw/services/triplestore"
)

// Version is the ipsm-core REST API version this handler is compatible
// with.
const Version = "1.2.0"

// maxBody bounds request bodies; alignments are further bounded by
// Config.Parse.MaxBytes.
const maxBody = 16 << 20

// Handler returns the IPSM REST API, to be mounted under /ipsm (strip
// the prefix before it):
//
//	GET/POST /alignments, GET/DELETE /alignments/{name}/{version},
//	POST /validate, GET/POST /channels, DELETE /channels/{id},
//	POST /translation, GET /version.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /alignments", s.listAlignments)
	mux.HandleFunc("POST /alignments", s.uploadAlignment)
	mux.HandleFunc("GET /alignments/{name}/{version}", s.getAlignment)
	mux.HandleFunc("DELETE /alignments/{name}/{version}", s.deleteAlignment)
	mux.HandleFunc("POST /validate", s.validate)
	mux.HandleFunc("GET /channels", s.listChannels)
	mux.HandleFunc("POST /channels", s.createChannel)
	mux.HandleFunc("DELETE /channels/{id}", s.deleteChannel)
	mux.HandleFunc("POST /translation", s.translate)
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"name": "intermw IPSM", "version": Version})
	})
	return mux
}

// errorBody is every error response: {"error", "message"}, plus the
// validation problems of an invalid alignment.
type errorBody struct {
	Error    string              `json:"error"`
	Message  string              `json:"message"`
	Problems []alignment.Problem `json:"problems,omitempty"`
	Warnings []alignment.Problem `json:"warnings,omitempty"`
}

// statusTable maps errors to statuses and error codes, first match wins.
// ipsm-core answers 400 for unknown alignments and channels; we keep it.
var statusTable = []struct {
	err    error
	status int
	code   string
}{
	{alignment.ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
	{alignment.ErrInvalid, http.StatusBadRequest, "invalid_alignment"},
	{alignment.ErrDataLoss, http.StatusBadRequest, "data_loss"},
	{ErrConflict, http.StatusConflict, "conflict"},
	{ErrInUse, http.StatusConflict, "in_use"},
	{ErrChannelExists, http.StatusBadRequest, "channel_exists"},
	{ErrNotFound, http.StatusBadRequest, "not_found"},
	{ErrBadRequest, http.StatusBadRequest, "bad_request"},
	{triplestore.ErrTimeout, http.StatusServiceUnavailable, "timeout"},
	{triplestore.ErrClosed, http.StatusServiceUnavailable, "unavailable"},
}

func writeError(w http.ResponseWriter, err error) {
	status, code := http.StatusInternalServerError, "internal"
	for _, e := range statusTable {
		if errors.Is(err, e.err) {
			status, code = e.status, e.code
			break
		}
	}
	body := errorBody{Error: code, Message: err.Error()}
	var ve *alignment.ValidationError
	if errors.As(err, &ve) {
		body.Problems, body.Warnings = ve.Problems, ve.Warnings
		body.Message = "alignment is not valid: " + strconv.Itoa(len(ve.Problems)) + " problem(s)"
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readAlignment reads an alignment upload: raw XML, or a JSON object with
// xmlSource (as ipsm-core's clients send it).
func readAlignment(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, errors.Join(ErrBadRequest, err)
	}
	if len(body) > maxBody {
		return nil, alignmentTooLarge()
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var cfg struct {
			XMLSource string `json:"xmlSource"`
		}
		if err := json.Unmarshal(trimmed, &cfg); err != nil {
			return nil, errors.Join(ErrBadRequest, err)
		}
		if cfg.XMLSource == "" {
			return nil, errors.Join(ErrBadRequest, errors.New("xmlSource is empty"))
		}
		return []byte(cfg.XMLSource), nil
	}
	return body, nil
}

func alignmentTooLarge() error {
	return fmt.Errorf("%w: request body larger than %d bytes", alignment.ErrTooLarge, maxBody)
}

func (s *Service) listAlignments(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Alignments())
}

func (s *Service) uploadAlignment(w http.ResponseWriter, r *http.Request) {
	src, err := readAlignment(r)
	if err != nil {
		writeError(w, err)
		return
	}
	res, info, err := s.Upload(r.Context(), src)
	if err != nil {
		writeError(w, err)
		return
	}
	if res == AlreadyUploaded {
		writeJSON(w, http.StatusAlreadyReported, map[string]any{"message": "Alignment already uploaded", "alignment": info})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"message": "Alignment uploaded successfully", "alignment": info})
}

func pathID(r *http.Request) alignment.ID {
	return alignment.ID{Name: r.PathValue("name"), Version: r.PathValue("version")}
}

func (s *Service) getAlignment(w http.ResponseWriter, r *http.Request) {
	src, err := s.Source(pathID(r))
	if err != nil {
		writeError(w, err)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		id := pathID(r)
		writeJSON(w, http.StatusOK, map[string]string{"name": id.Name, "version": id.Version, "xmlSource": string(src)})
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	_, _ = w.Write(src)
}

func (s *Service) deleteAlignment(w http.ResponseWriter, r *http.Request) {
	if err := s.DeleteAlignment(r.Context(), pathID(r)); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) validate(w http.ResponseWriter, r *http.Request) {
	src, err := readAlignment(r)
	if err != nil {
		writeError(w, err)
		return
	}
	warnings, err := s.Validate(src)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"message": "Alignment validated successfully", "warnings": warnings})
}

func (s *Service) listChannels(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Channels())
}

func (s *Service) createChannel(w http.ResponseWriter, r *http.Request) {
	var cfg ChannelConfig
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	if err := dec.Decode(&cfg); err != nil {
		writeError(w, errors.Join(ErrBadRequest, err))
		return
	}
	ch, err := s.CreateChannel(r.Context(), cfg)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"message": "Channel created successfully", "id": ch.ID})
}

func (s *Service) deleteChannel(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		writeError(w, errors.Join(ErrBadRequest, errors.New("channel id must be an integer")))
		return
	}
	if err := s.DeleteChannel(r.Context(), id); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// translationRequest is the body of POST /translation.
type translationRequest struct {
	AlignIDs []alignment.ID `json:"alignIDs"`
	GraphStr string         `json:"graphStr"`
}

func (s *Service) translate(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code, msg string) {
		writeJSON(w, status, map[string]string{"error": code, "message": msg, "graphStr": ""})
	}
	var req translationRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&req); err != nil {
		fail(http.StatusBadRequest, "bad_request", "request is not a TranslationRequest: "+err.Error())
		return
	}
	msg, err := s.cfg.Codec.Decode([]byte(req.GraphStr))
	if err != nil {
		fail(http.StatusBadRequest, "bad_message", "graphStr is not an INTER-IoT message: "+err.Error())
		return
	}
	losses, err := s.Translate(r.Context(), msg, req.AlignIDs...)
	if err != nil {
		status, code := http.StatusBadRequest, "translation_failed"
		if errors.Is(err, ErrNotFound) {
			code = "not_found"
		}
		fail(status, code, err.Error())
		return
	}
	out, err := s.cfg.Codec.Encode(msg)
	if err != nil {
		fail(http.StatusInternalServerError, "internal", err.Error())
		return
	}
	resp := map[string]any{"message": "Message translation successful", "graphStr": string(out)}
	if len(losses) > 0 {
		ws := make([]string, len(losses))
		for i, l := range losses {
			ws[i] = l.String()
		}
		resp["warnings"] = ws
	}
	writeJSON(w, http.StatusOK, resp)
}
