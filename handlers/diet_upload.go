package handlers

import (
	"bytes"
	"errors"
	"image"
	_ "image/jpeg" // DecodeConfig of a JPEG certificate
	_ "image/png"  // DecodeConfig of a PNG certificate
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// The medical certificate of a diet request (docs/special-diets.md).
const (
	maxCertificateBytes = 5 << 20 // what is kept at most
	// maxDietBody bounds the whole request: a file above the certificate's
	// limit is read (and dropped) up to here so that the browser gets the
	// page that says so instead of a broken connection.
	maxDietBody        = 4 * maxCertificateBytes
	maxCertificateSide = 10000 // pixels per side of a photographed certificate
	maxDietFormFields  = 20
	maxDietFieldBytes  = 4 << 10
	certificateField   = "certificato"
)

// dietUploadPath tells the middleware which requests may be as large as a
// certificate: the guardian's POST of the request form.
func dietUploadPath(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/diete") && !strings.Contains(r.URL.Path, "/operatori/")
}

// Reasons a certificate is refused, each a catalogue key "diets.error.file_<reason>".
const (
	fileMissing = "missing"
	fileEmpty   = "empty"
	fileTooBig  = "too_big"
	fileType    = "type"
	fileImage   = "image"
	fileBomb    = "pixels"
)

// dietForm is the multipart form as read: the text fields, and the
// certificate's bytes when it is within the limit.
type dietForm struct {
	Values   url.Values
	File     []byte
	FileSent bool // a file part came with a name or bytes
	TooBig   bool // the file (or the whole request) was above the limit
}

// readDietForm streams the multipart body: text fields are bounded, the
// file is kept only up to maxCertificateBytes (the rest is read and
// dropped), so memory never holds more than the limit. A body that is not
// multipart (a script's urlencoded form) gives its fields and no file.
func readDietForm(r *http.Request) (*dietForm, error) {
	f := &dietForm{Values: url.Values{}}
	mr, err := r.MultipartReader()
	if errors.Is(err, http.ErrNotMultipart) {
		if err := r.ParseForm(); err != nil {
			return f, err
		}
		f.Values = r.PostForm
		return f, nil
	}
	if err != nil {
		return f, err
	}
	for fields := 0; ; fields++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return f, bodyError(f, err)
		}
		if fields > maxDietFormFields {
			return f, errors.New("too many form fields")
		}
		if part.FormName() == certificateField {
			if err := f.readFile(part); err != nil {
				return f, bodyError(f, err)
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, maxDietFieldBytes))
		if err != nil {
			return f, bodyError(f, err)
		}
		f.Values.Add(part.FormName(), string(b))
	}
}

func (f *dietForm) readFile(part *multipart.Part) error {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(part, maxCertificateBytes+1))
	if err != nil {
		return err
	}
	f.FileSent = f.FileSent || part.FileName() != "" || n > 0
	if n > maxCertificateBytes {
		f.TooBig, f.File = true, nil
		_, err = io.Copy(io.Discard, part)
		return err
	}
	f.File = buf.Bytes()
	return nil
}

// bodyError marks a body above maxDietBody as a file too big.
func bodyError(f *dietForm, err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		f.TooBig, f.FileSent, f.File = true, true, nil
		return nil
	}
	return err
}

// checkCertificate decides the certificate's type by its first bytes (never
// by its name or the browser's Content-Type) and, for an image, reads only
// its header: the dimensions it declares are checked before anything could
// decode its pixels, so a small file that would inflate into gigabytes (a
// "decompression bomb") is refused. It returns the type, or the reason of
// the refusal (fileEmpty, ...).
func checkCertificate(f *dietForm) (contentType, reason string) {
	switch {
	case f.TooBig:
		return "", fileTooBig
	case !f.FileSent:
		return "", fileMissing
	case len(f.File) == 0:
		return "", fileEmpty
	}
	ct := http.DetectContentType(f.File)
	switch ct {
	case "application/pdf":
		return ct, ""
	case "image/png", "image/jpeg":
		cfg, _, err := image.DecodeConfig(bytes.NewReader(f.File))
		if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
			return "", fileImage
		}
		if cfg.Width > maxCertificateSide || cfg.Height > maxCertificateSide {
			return "", fileBomb
		}
		return ct, ""
	}
	return "", fileType
}
