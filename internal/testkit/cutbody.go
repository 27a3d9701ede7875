package testkit

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
)

// CutBody writes the status and headers rec recorded, then half its body,
// and drops the connection: what a client sees when the connection breaks
// mid-answer. w must be a server's ResponseWriter (it is hijacked).
func CutBody(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
	rec.Header().Set("Content-Length", fmt.Sprint(rec.Body.Len()))
	_ = rec.Header().Write(buf)
	buf.WriteString("\r\n")
	buf.Write(rec.Body.Bytes()[:rec.Body.Len()/2])
	_ = buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
}
