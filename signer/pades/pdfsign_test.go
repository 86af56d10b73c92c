package pades_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
)

// pdfsignSign signs doc with the pinned github.com/digitorus/pdfsign, as
// certa did before this package: an approval signature, adbe.pkcs7.detached,
// with a generous placeholder so that its corrupting retry path is never
// taken. It is kept for comparison (BenchmarkPdfsign) and to sign on top of
// such documents (TestToolsAfterPdfsign).
func pdfsignSign(key crypto.Signer, chain []*x509.Certificate, doc []byte, at time.Time) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pdfsign panicked: %v", r)
		}
	}()
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	ctx := sign.SignContext{
		InputFile:  bytes.NewReader(doc),
		OutputFile: &buf,
		PDFReader:  rdr,
		SignData: sign.SignData{
			Signature: sign.SignDataSignature{
				CertType: sign.ApprovalSignature,
				Info:     sign.SignDataSignatureInfo{Name: "Comune di Lodi", Location: "Lodi", Reason: "Certificato anagrafico", Date: at},
			},
			Signer:            key,
			DigestAlgorithm:   crypto.SHA256,
			Certificate:       chain[0],
			CertificateChains: [][]*x509.Certificate{chain},
		},
		SignatureMaxLengthBase: 2 * (1024 + 512),
	}
	if err := ctx.SignPDF(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
