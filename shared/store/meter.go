package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync/atomic"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Meter counts Firestore document reads and writes as Firestore bills them:
// one read per document returned (one per query that returns none), one
// write per document written or deleted. It counts in total, and also into
// the Ops a context carries (WithOps), so each request's cost can be logged
// and benchmarked even while background jobs run.
type Meter struct {
	total Ops
}

// Reads returns the document reads so far.
func (m *Meter) Reads() int64 { return m.total.Reads() }

// Writes returns the document writes so far.
func (m *Meter) Writes() int64 { return m.total.Writes() }

// Ops counts the Firestore operations of one request.
type Ops struct {
	reads, writes atomic.Int64
}

// Reads returns the document reads counted.
func (o *Ops) Reads() int64 { return o.reads.Load() }

// Writes returns the document writes counted.
func (o *Ops) Writes() int64 { return o.writes.Load() }

type opsKey struct{}

// WithOps returns a context whose Firestore operations are counted into
// the returned Ops (by a store opened with a Meter).
func WithOps(ctx context.Context) (context.Context, *Ops) {
	o := &Ops{}
	return context.WithValue(ctx, opsKey{}, o), o
}

// add counts n reads or writes in total and for ctx's request.
func (m *Meter) add(ctx context.Context, reads, writes int64) {
	m.total.reads.Add(reads)
	m.total.writes.Add(writes)
	if o, ok := ctx.Value(opsKey{}).(*Ops); ok {
		o.reads.Add(reads)
		o.writes.Add(writes)
	}
}

// meterOptions returns the client options that route every call through
// m. Against the emulator the client dials its own connection and ignores
// dial options, so there we dial it ourselves, as the client would (plain
// text, the emulator's admin credentials), and pass the connection in.
func meterOptions(m *Meter) ([]option.ClientOption, error) {
	if m == nil {
		return nil, nil
	}
	interceptors := []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(m.unary),
		grpc.WithChainStreamInterceptor(m.stream),
	}
	addr := os.Getenv("FIRESTORE_EMULATOR_HOST")
	if addr == "" {
		var opts []option.ClientOption
		for _, o := range interceptors {
			opts = append(opts, option.WithGRPCDialOption(o))
		}
		return opts, nil
	}
	return dialEmulator(addr, interceptors...)
}

// emulatorOptions connects to the emulator at FIRESTORE_EMULATOR_HOST as
// the Firestore client does, in a connection the caller can share.
func emulatorOptions() ([]option.ClientOption, error) {
	return dialEmulator(os.Getenv("FIRESTORE_EMULATOR_HOST"))
}

func dialEmulator(addr string, opts ...grpc.DialOption) ([]option.ClientOption, error) {
	conn, err := grpc.NewClient(addr, append(opts,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(emulatorOwner{}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(math.MaxInt32), grpc.MaxCallSendMsgSize(math.MaxInt32)),
	)...)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	return []option.ClientOption{option.WithGRPCConn(conn)}, nil
}

// emulatorOwner sends the credentials the Firestore emulator accepts as admin.
type emulatorOwner struct{}

func (emulatorOwner) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer owner"}, nil
}

func (emulatorOwner) RequireTransportSecurity() bool { return false }

func (m *Meter) unary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	if err != nil {
		return err
	}
	switch v := req.(type) {
	case *pb.CommitRequest:
		m.add(ctx, 0, int64(len(v.GetWrites())))
	case *pb.BatchWriteRequest: // BulkWriter: count the writes applied
		n := int64(0)
		for _, st := range reply.(*pb.BatchWriteResponse).GetStatus() {
			if st.GetCode() == 0 {
				n++
			}
		}
		m.add(ctx, 0, n)
	}
	return nil
}

func (m *Meter) stream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, err
	}
	return &meteredStream{ClientStream: s, m: m, ctx: ctx}, nil
}

type meteredStream struct {
	grpc.ClientStream
	m       *Meter
	ctx     context.Context
	query   bool
	counted bool
}

func (s *meteredStream) RecvMsg(msg any) error {
	err := s.ClientStream.RecvMsg(msg)
	if err == nil {
		switch v := msg.(type) {
		case *pb.BatchGetDocumentsResponse:
			if v.GetFound() != nil || v.GetMissing() != "" {
				s.m.add(s.ctx, 1, 0)
			}
		case *pb.RunQueryResponse:
			s.query = true
			if v.GetDocument() != nil {
				s.m.add(s.ctx, 1, 0)
				s.counted = true
			}
		case *pb.RunAggregationQueryResponse:
			if !s.counted {
				s.m.add(s.ctx, 1, 0)
				s.counted = true
			}
		}
	}
	if errors.Is(err, io.EOF) && s.query && !s.counted {
		s.m.add(s.ctx, 1, 0) // an empty query still costs one read
		s.counted = true
	}
	return err
}
