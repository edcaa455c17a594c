package channels

import (
	"errors"
	"testing"

	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/ontology"
	"github.com/intermw/intermw/ontology/alignment"
	"github.com/intermw/intermw/ontology/rdf"
)

func TestSpecOf(t *testing.T) {
	all := fields{
		"downstreamInputAlignmentName": "DI", "downstreamInputAlignmentVersion": "1",
		"downstreamOutputAlignmentName": "DO", "downstreamOutputAlignmentVersion": "2",
		"upstreamInputAlignmentName": "UI", "upstreamInputAlignmentVersion": "3",
		"upstreamOutputAlignmentName": "UO", "upstreamOutputAlignmentVersion": "4",
	}
	cases := []struct {
		name    string
		info    ipsmrm.PlatformInfo
		want    Spec
		wantErr error
	}{
		{
			name: "the eight fields are read into two chains",
			info: platformInfo(pid, all),
			want: Spec{PlatformID: pid, PlatformType: ptype,
				Downstream: Chain{Input: alignment.ID{Name: "DI", Version: "1"}, Output: alignment.ID{Name: "DO", Version: "2"}},
				Upstream:   Chain{Input: alignment.ID{Name: "UI", Version: "3"}, Output: alignment.ID{Name: "UO", Version: "4"}}},
		},
		{
			name: "no fields means identity both ways",
			info: platformInfo(pid, nil),
			want: Spec{PlatformID: pid, PlatformType: ptype},
		},
		{
			name:    "a name without a version is refused",
			info:    platformInfo(pid, fields{"upstreamInputAlignmentName": "UI"}),
			wantErr: ErrBadChain,
		},
		{
			name:    "a version without a name is refused",
			info:    platformInfo(pid, fields{"downstreamOutputAlignmentVersion": "1"}),
			wantErr: ErrBadChain,
		},
		{
			name: "the type comes from the description when IPSMRM does not know it",
			info: func() ipsmrm.PlatformInfo { i := platformInfo(pid, nil); i.Type = ""; return i }(),
			want: Spec{PlatformID: pid, PlatformType: ptype},
		},
		{
			name: "fields of another node are ignored",
			info: func() ipsmrm.PlatformInfo {
				i := platformInfo(pid, nil)
				i.Description = append(i.Description, rdf.Triple{S: rdf.IRI("http://other"),
					P: rdf.IRI(ontology.InterMW + "upstreamInputAlignmentName"), O: rdf.String("X")})
				return i
			}(),
			want: Spec{PlatformID: pid, PlatformType: ptype},
		},
		{
			name: "a field given twice with two values is refused",
			info: func() ipsmrm.PlatformInfo {
				i := platformInfo(pid, upstream("UI", "1"))
				i.Description = append(i.Description, rdf.Triple{S: rdf.IRI(pid),
					P: rdf.IRI(ontology.InterMW + "upstreamInputAlignmentVersion"), O: rdf.String("2")})
				return i
			}(),
			wantErr: ErrBadChain,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := SpecOf(c.info)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestChainHeaderRoundTrips(t *testing.T) {
	c := Chain{Input: alignment.ID{Name: "a \"quoted\" name", Version: "1.0"}}
	got, err := decodeChain(encodeChain(c))
	if err != nil || got != c {
		t.Fatalf("got %+v, %v", got, err)
	}
	if _, err := decodeChain("{"); !errors.Is(err, ErrBadChain) {
		t.Errorf("malformed header: err = %v", err)
	}
}
