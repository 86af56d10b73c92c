package batch

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"time"
)

// zipStream writes a ZIP archive entry by entry without keeping anything
// per entry in memory: archive/zip keeps every entry's header until Close
// (about 300 bytes an entry, 300 MB for a million PDFs), whereas
// zipStream spools the central directory to a file (cd) and copies it at
// the end. Each entry is written whole, its CRC and sizes known before its
// local header, so there are no data descriptors. ZIP64 fields are written
// where needed: offsets past 4 GiB in the central directory, and the ZIP64
// end records always (any reader that knows ZIP64 accepts them; entries
// past 65,535 need them). Entries themselves must be under 4 GiB.
type zipStream struct {
	w       *countWriter
	cd      *bufio.Writer
	cdSize  int64
	entries int64
	dosTime uint16
	dosDate uint16
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

const (
	zipStore   = 0
	zipDeflate = 8
	// version needed: 2.0 (deflate), 4.5 (ZIP64); made by: 4.5 on Unix.
	zipVersion20    = 20
	zipVersion45    = 45
	zipMadeByUnix   = 3<<8 | 45
	zip64ExtraID    = 0x0001
	fileModeRegular = 0o100600 << 16 // external attributes: a regular file, mode 0600
)

func newZipStream(w io.Writer, cd io.Writer, mod time.Time) *zipStream {
	z := &zipStream{w: &countWriter{w: w}, cd: bufio.NewWriter(cd)}
	if mod.Year() >= 1980 {
		mod = mod.UTC()
		z.dosDate = uint16(mod.Day() + int(mod.Month())<<5 + (mod.Year()-1980)<<9)
		z.dosTime = uint16(mod.Second()/2 + mod.Minute()<<5 + mod.Hour()<<11)
	} else {
		z.dosDate = 1<<5 | 1 // 1980-01-01
	}
	return z
}

var errEntryTooLarge = errors.New("zip: an entry of 4 GiB or more")

// add writes one entry: its local header, then size bytes of data from r,
// stored as they are (method zipStore or zipDeflate with data compressed
// already), with the CRC-32 and uncompressed size of the original.
func (z *zipStream) add(name string, method uint16, crc uint32, size, compressed int64, data io.Reader) error {
	if size >= math.MaxUint32 || compressed >= math.MaxUint32 {
		return errEntryTooLarge
	}
	offset := z.w.n
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, 0x04034b50)
	b = binary.LittleEndian.AppendUint16(b, zipVersion20)
	b = binary.LittleEndian.AppendUint16(b, 0) // flags
	b = binary.LittleEndian.AppendUint16(b, method)
	b = binary.LittleEndian.AppendUint16(b, z.dosTime)
	b = binary.LittleEndian.AppendUint16(b, z.dosDate)
	b = binary.LittleEndian.AppendUint32(b, crc)
	b = binary.LittleEndian.AppendUint32(b, uint32(compressed))
	b = binary.LittleEndian.AppendUint32(b, uint32(size))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(name)))
	b = binary.LittleEndian.AppendUint16(b, 0) // extra
	b = append(b, name...)
	if _, err := z.w.Write(b); err != nil {
		return err
	}
	if n, err := io.Copy(z.w, data); err != nil {
		return err
	} else if n != compressed {
		return errors.New("zip: entry data shorter than announced")
	}

	// Its central directory record, to the spool.
	version, off32 := uint16(zipVersion20), uint32(offset)
	var extra []byte
	if offset >= math.MaxUint32 {
		version, off32 = zipVersion45, math.MaxUint32
		extra = binary.LittleEndian.AppendUint16(extra, zip64ExtraID)
		extra = binary.LittleEndian.AppendUint16(extra, 8)
		extra = binary.LittleEndian.AppendUint64(extra, uint64(offset))
	}
	c := b[:0]
	c = binary.LittleEndian.AppendUint32(c, 0x02014b50)
	c = binary.LittleEndian.AppendUint16(c, zipMadeByUnix)
	c = binary.LittleEndian.AppendUint16(c, version)
	c = binary.LittleEndian.AppendUint16(c, 0) // flags
	c = binary.LittleEndian.AppendUint16(c, method)
	c = binary.LittleEndian.AppendUint16(c, z.dosTime)
	c = binary.LittleEndian.AppendUint16(c, z.dosDate)
	c = binary.LittleEndian.AppendUint32(c, crc)
	c = binary.LittleEndian.AppendUint32(c, uint32(compressed))
	c = binary.LittleEndian.AppendUint32(c, uint32(size))
	c = binary.LittleEndian.AppendUint16(c, uint16(len(name)))
	c = binary.LittleEndian.AppendUint16(c, uint16(len(extra)))
	c = binary.LittleEndian.AppendUint16(c, 0) // comment
	c = binary.LittleEndian.AppendUint16(c, 0) // disk
	c = binary.LittleEndian.AppendUint16(c, 0) // internal attributes
	c = binary.LittleEndian.AppendUint32(c, fileModeRegular)
	c = binary.LittleEndian.AppendUint32(c, off32)
	c = append(c, name...)
	c = append(c, extra...)
	if _, err := z.cd.Write(c); err != nil {
		return err
	}
	z.cdSize += int64(len(c))
	z.entries++
	return nil
}

// finish appends the spooled central directory, read back from cd (the
// caller flushes z.cd and rewinds its file first), and the end records.
func (z *zipStream) finish(cd io.Reader) error {
	start := z.w.n
	if n, err := io.Copy(z.w, cd); err != nil {
		return err
	} else if n != z.cdSize {
		return errors.New("zip: central directory spool is short")
	}
	end := z.w.n
	var b []byte
	// ZIP64 end of central directory record.
	b = binary.LittleEndian.AppendUint32(b, 0x06064b50)
	b = binary.LittleEndian.AppendUint64(b, 44) // size of the rest of the record
	b = binary.LittleEndian.AppendUint16(b, zipMadeByUnix)
	b = binary.LittleEndian.AppendUint16(b, zipVersion45)
	b = binary.LittleEndian.AppendUint32(b, 0) // this disk
	b = binary.LittleEndian.AppendUint32(b, 0) // disk of the directory
	b = binary.LittleEndian.AppendUint64(b, uint64(z.entries))
	b = binary.LittleEndian.AppendUint64(b, uint64(z.entries))
	b = binary.LittleEndian.AppendUint64(b, uint64(z.cdSize))
	b = binary.LittleEndian.AppendUint64(b, uint64(start))
	// ZIP64 end of central directory locator.
	b = binary.LittleEndian.AppendUint32(b, 0x07064b50)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint64(b, uint64(end))
	b = binary.LittleEndian.AppendUint32(b, 1) // disks
	// End of central directory record, its fields saturated where the
	// ZIP64 record holds the value.
	entries16 := uint16(min(z.entries, math.MaxUint16))
	b = binary.LittleEndian.AppendUint32(b, 0x06054b50)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint16(b, entries16)
	b = binary.LittleEndian.AppendUint16(b, entries16)
	b = binary.LittleEndian.AppendUint32(b, uint32(min(z.cdSize, math.MaxUint32)))
	b = binary.LittleEndian.AppendUint32(b, uint32(min(start, math.MaxUint32)))
	b = binary.LittleEndian.AppendUint16(b, 0) // comment
	_, err := z.w.Write(b)
	return err
}

// crcCounter computes the CRC-32 and length of what is written to it.
type crcCounter struct {
	crc uint32
	n   int64
}

func (c *crcCounter) Write(p []byte) (int, error) {
	c.crc = crc32.Update(c.crc, crc32.IEEETable, p)
	c.n += int64(len(p))
	return len(p), nil
}
