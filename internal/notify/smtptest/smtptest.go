// Package smtptest is a tiny real SMTP server for tests: it listens on
// 127.0.0.1, speaks enough SMTP for a normal client (EHLO, MAIL, RCPT,
// DATA, RSET, NOOP, QUIT; no TLS, no AUTH) and records what it receives.
package smtptest

import (
	"bufio"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Message is one received mail.
type Message struct {
	From string
	To   []string
	Raw  string
	At   time.Time // when the server accepted it
}

// Header returns a decoded header of the message.
func (m Message) Header(name string) string {
	msg, err := mail.ReadMessage(strings.NewReader(m.Raw))
	if err != nil {
		return ""
	}
	v := msg.Header.Get(name)
	if d, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// Text returns the decoded text/plain part (or the whole body when the
// message is not multipart).
func (m Message) Text() string { return m.part("text/plain") }

// HTML returns the decoded text/html part.
func (m Message) HTML() string { return m.part("text/html") }

func (m Message) part(want string) string {
	msg, err := mail.ReadMessage(strings.NewReader(m.Raw))
	if err != nil {
		return ""
	}
	return findPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, want)
}

func findPart(ctype, cte string, body io.Reader, want string) string {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return ""
			}
			if s := findPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, want); s != "" {
				return s
			}
		}
	}
	if mt != want {
		return ""
	}
	r := body
	switch strings.ToLower(cte) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		b, _ := io.ReadAll(body)
		dec, err := decodeBase64(string(b))
		if err != nil {
			return ""
		}
		return dec
	}
	b, _ := io.ReadAll(r)
	return string(b)
}

// Server is a running SMTP server.
type Server struct {
	Addr string // host:port
	ln   net.Listener

	mu       sync.Mutex
	messages []Message
	notify   chan struct{}
	// Reject, when it returns a non-empty reply ("451 try later"), answers the
	// end of DATA with it instead of accepting the message.
	Reject func(n int) string
	// Stall, when set, makes the server hold the end of DATA until the
	// channel is closed (to simulate a slow server or a crash mid-send).
	Stall chan struct{}
	// Stalled is closed when a DATA is being held by Stall.
	Stalled chan struct{}
	// LoseReply, when it returns true, makes the server accept the message
	// and then drop the connection without replying: the sender cannot know
	// that it went through (the window in which a retry sends it twice).
	LoseReply   func(n int) bool
	stalledOnce sync.Once
	datas       int
	wg          sync.WaitGroup
}

// Start listens on a free port of 127.0.0.1.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, notify: make(chan struct{}, 1), Stalled: make(chan struct{})}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Port returns the port the server listens on.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr)
	n, err := strconv.Atoi(p)
	if err != nil {
		return 0
	}
	return n
}

// Close stops the server.
func (s *Server) Close() {
	s.ln.Close()
}

// Messages returns a copy of what was received.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Wait waits until at least n messages arrived, or the timeout.
func (s *Server) Wait(n int, timeout time.Duration) []Message {
	deadline := time.After(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-s.notify:
		case <-deadline:
			return s.Messages()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.handle(c)
	}
}

func (s *Server) handle(c net.Conn) {
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(2 * time.Minute)); err != nil {
		return
	}
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	reply := func(line string) {
		// A write error sticks in w; the next read fails and ends the session.
		_, _ = w.WriteString(line + "\r\n")
		w.Flush()
	}
	reply("220 smtptest ESMTP ready")
	var from string
	var to []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(line)
		if i := strings.IndexByte(verb, ' '); i >= 0 {
			verb = verb[:i]
		}
		switch verb {
		case "EHLO":
			reply("250-smtptest")
			reply("250-8BITMIME")
			reply("250 SMTPUTF8")
		case "HELO":
			reply("250 smtptest")
		case "MAIL":
			from = addrOf(line)
			to = nil
			reply("250 OK")
		case "RCPT":
			to = append(to, addrOf(line))
			reply("250 OK")
		case "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
				if strings.HasPrefix(l, "..") {
					l = l[1:]
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.datas++
			n := s.datas
			reject, stall, lose := s.Reject, s.Stall, s.LoseReply
			s.mu.Unlock()
			if stall != nil {
				s.stalledOnce.Do(func() { close(s.Stalled) })
				<-stall
				return // drop the connection: the message is not accepted
			}
			if reject != nil {
				if rep := reject(n); rep != "" {
					reply(rep)
					continue
				}
			}
			s.mu.Lock()
			s.messages = append(s.messages, Message{From: from, To: to, Raw: b.String(), At: time.Now()})
			s.mu.Unlock()
			select {
			case s.notify <- struct{}{}:
			default:
			}
			if lose != nil && lose(n) {
				return
			}
			reply("250 OK queued")
		case "RSET":
			from, to = "", nil
			reply("250 OK")
		case "NOOP":
			reply("250 OK")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 command not implemented")
		}
	}
}

// SetStall sets or clears the stall channel safely.
func (s *Server) SetStall(ch chan struct{}) {
	s.mu.Lock()
	s.Stall = ch
	s.mu.Unlock()
}

// SetLoseReply sets the lose-reply function safely.
func (s *Server) SetLoseReply(f func(n int) bool) {
	s.mu.Lock()
	s.LoseReply = f
	s.mu.Unlock()
}

// SetReject sets the reject function safely.
func (s *Server) SetReject(f func(n int) string) {
	s.mu.Lock()
	s.Reject = f
	s.mu.Unlock()
}

func addrOf(line string) string {
	if i := strings.IndexByte(line, '<'); i >= 0 {
		if j := strings.IndexByte(line[i:], '>'); j > 0 {
			return line[i+1 : i+j]
		}
	}
	return ""
}

func decodeBase64(s string) (string, error) {
	s = strings.NewReplacer("\r", "", "\n", "").Replace(s)
	b, err := base64.StdEncoding.DecodeString(s)
	return string(b), err
}
