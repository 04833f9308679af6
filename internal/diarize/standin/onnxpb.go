package standin

import (
	"encoding/binary"
	"math"
)

// A minimal protocol buffers encoder for the parts of onnx.proto (ONNX IR version 8) the stand-in
// models use. No Go ONNX protobuf package is needed for this: the field numbers below are
// onnx.proto's.

type pb []byte

func (b *pb) varint(v uint64)     { *b = binary.AppendUvarint(*b, v) }
func (b *pb) tag(field, wire int) { b.varint(uint64(field<<3 | wire)) }

func (b *pb) int(field int, v int64) {
	b.tag(field, 0)
	b.varint(uint64(v))
}

func (b *pb) bytes(field int, v []byte) {
	b.tag(field, 2)
	b.varint(uint64(len(v)))
	*b = append(*b, v...)
}

func (b *pb) str(field int, s string) { b.bytes(field, []byte(s)) }
func (b *pb) msg(field int, m pb)     { b.bytes(field, m) }

func (b *pb) float(field int, v float32) {
	b.tag(field, 5)
	*b = binary.LittleEndian.AppendUint32(*b, math.Float32bits(v))
}

func (b *pb) packedInts(field int, vs []int64) {
	var p pb
	for _, v := range vs {
		p.varint(uint64(v))
	}
	b.bytes(field, p)
}

// ONNX element types (TensorProto.DataType).
const (
	tFloat = 1
	tInt64 = 7
)

// tensor is a TensorProto with raw little-endian data.
func tensor(name string, dims []int64, data []float32) pb {
	var t pb
	t.packedInts(1, dims)
	t.int(2, tFloat)
	t.str(8, name)
	raw := make([]byte, 0, 4*len(data))
	for _, v := range data {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	t.bytes(9, raw)
	return t
}

func int64Tensor(name string, dims []int64, data []int64) pb {
	var t pb
	t.packedInts(1, dims)
	t.int(2, tInt64)
	t.str(8, name)
	raw := make([]byte, 0, 8*len(data))
	for _, v := range data {
		raw = binary.LittleEndian.AppendUint64(raw, uint64(v))
	}
	t.bytes(9, raw)
	return t
}

// dim is a fixed size (> 0) or a named dynamic one.
type dim struct {
	n    int64
	name string
}

// valueInfo is a ValueInfoProto for a tensor of elem type with the given shape.
func valueInfo(name string, elem int, shape ...dim) pb {
	var sh pb
	for _, d := range shape {
		var dp pb
		if d.name != "" {
			dp.str(2, d.name)
		} else {
			dp.int(1, d.n)
		}
		sh.msg(1, dp)
	}
	var tt pb
	tt.int(1, int64(elem))
	tt.msg(2, sh)
	var typ pb
	typ.msg(1, tt)
	var vi pb
	vi.str(1, name)
	vi.msg(2, typ)
	return vi
}

// attr is an AttributeProto.
type attr struct {
	name string
	i    *int64
	f    *float32
	ints []int64
}

func intAttr(name string, v int64) attr     { return attr{name: name, i: &v} }
func intsAttr(name string, v ...int64) attr { return attr{name: name, ints: v} }

func (a attr) proto() pb {
	var p pb
	p.str(1, a.name)
	switch {
	case a.i != nil:
		p.int(3, *a.i)
		p.int(20, 2) // INT
	case a.f != nil:
		p.float(2, *a.f)
		p.int(20, 1) // FLOAT
	default:
		p.packedInts(8, a.ints)
		p.int(20, 7) // INTS
	}
	return p
}

// node is a NodeProto.
func node(op, name string, inputs, outputs []string, attrs ...attr) pb {
	var n pb
	for _, in := range inputs {
		n.str(1, in)
	}
	for _, out := range outputs {
		n.str(2, out)
	}
	n.str(3, name)
	n.str(4, op)
	for _, a := range attrs {
		n.msg(5, a.proto())
	}
	return n
}

// model is a ModelProto: IR version 8, opset 13 of the default domain, the graph and metadata_props.
func model(graphName string, nodes, initializers, inputs, outputs []pb, meta [][2]string) []byte {
	var g pb
	for _, n := range nodes {
		g.msg(1, n)
	}
	g.str(2, graphName)
	for _, t := range initializers {
		g.msg(5, t)
	}
	for _, v := range inputs {
		g.msg(11, v)
	}
	for _, v := range outputs {
		g.msg(12, v)
	}
	var m pb
	m.int(1, 8) // ir_version
	m.str(2, "hushscribe-standin")
	m.str(3, "1")
	var op pb
	op.str(1, "")
	op.int(2, 13)
	m.msg(8, op)
	m.msg(7, g)
	for _, kv := range meta {
		var e pb
		e.str(1, kv[0])
		e.str(2, kv[1])
		m.msg(14, e)
	}
	return m
}
