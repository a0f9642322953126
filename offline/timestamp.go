package offline

import (
	"strings"
	"time"
)

// Times without a zone are read as UTC: log files rarely say which zone
// they were written in, and the lab writes UTC. A time without a year
// (syslog "Nov 22 02:22:37") is returned in year 0 and given its year when
// all inputs have been read.

// digits parses s[i:i+n] as a decimal number, -1 if it is not one.
func digits(s string, i, n int) int {
	if i < 0 || i+n > len(s) {
		return -1
	}
	v := 0
	for k := i; k < i+n; k++ {
		c := s[k]
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int(c-'0')
	}
	return v
}

// fraction parses an optional ".123456" (or ",123") at s[i:], returning
// nanoseconds and the index after it.
func fraction(s string, i int) (int, int) {
	if i >= len(s) || (s[i] != '.' && s[i] != ',') {
		return 0, i
	}
	j := i + 1
	ns, scale := 0, 100000000
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		if scale > 0 {
			ns += int(s[j]-'0') * scale
			scale /= 10
		}
		j++
	}
	if j == i+1 {
		return 0, i
	}
	return ns, j
}

// zone parses an optional "Z", "+01:00", "+0100" or " UTC" at s[i:],
// returning the offset in seconds and the index after it.
func zone(s string, i int) (int, int) {
	if i >= len(s) {
		return 0, i
	}
	switch s[i] {
	case 'Z':
		return 0, i + 1
	case '+', '-':
		h := digits(s, i+1, 2)
		if h < 0 {
			return 0, i
		}
		j := i + 3
		if j < len(s) && s[j] == ':' {
			j++
		}
		m := digits(s, j, 2)
		if m < 0 {
			return 0, i
		}
		off := h*3600 + m*60
		if s[i] == '-' {
			off = -off
		}
		return off, j + 2
	}
	if strings.HasPrefix(s[i:], " UTC") {
		return 0, i + 4
	}
	return 0, i
}

func validClock(mo, d, h, mi, se int) bool {
	return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && se >= 0 && se <= 60
}

// isoTime parses "2006-01-02T15:04:05" (or a space, or "2006/01/02 ..."),
// with an optional fraction and zone, at the start of s. It returns the
// time and the length consumed, 0 if s does not start with one.
func isoTime(s string) (time.Time, int) {
	if len(s) < 19 {
		return timeZero, 0
	}
	sep := s[4]
	if (sep != '-' && sep != '/') || s[7] != sep || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return timeZero, 0
	}
	y, mo, d := digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2)
	h, mi, se := digits(s, 11, 2), digits(s, 14, 2), digits(s, 17, 2)
	if y < 0 || !validClock(mo, d, h, mi, se) {
		return timeZero, 0
	}
	ns, i := fraction(s, 19)
	off, i := zone(s, i)
	t := time.Date(y, time.Month(mo), d, h, mi, se, ns, time.UTC).Add(-time.Duration(off) * time.Second)
	return t, i
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// bsdTime parses syslog's "Jan  2 15:04:05" (optionally with a fraction and
// a year after the clock) at the start of s. Without a year the time is in
// year 0. It returns the time and the length consumed, 0 if none.
func bsdTime(s string) (time.Time, int) {
	if len(s) < 15 || s[3] != ' ' || s[9] != ':' || s[12] != ':' {
		return timeZero, 0
	}
	mo := 0
	for k, m := range months {
		if s[:3] == m {
			mo = k + 1
			break
		}
	}
	if mo == 0 {
		return timeZero, 0
	}
	var d int
	if s[4] == ' ' {
		d = digits(s, 5, 1)
	} else {
		d = digits(s, 4, 2)
	}
	h, mi, se := digits(s, 7, 2), digits(s, 10, 2), digits(s, 13, 2)
	if !validClock(mo, d, h, mi, se) {
		return timeZero, 0
	}
	ns, i := fraction(s, 15)
	y := 0
	if yy := digits(s, i+1, 4); i+5 <= len(s) && s[i] == ' ' && yy >= 1970 && (i+5 == len(s) || s[i+5] == ' ') {
		y, i = yy, i+5
	}
	return time.Date(y, time.Month(mo), d, h, mi, se, ns, time.UTC), i
}

// usTime parses Windows' "3/18/2016 1:26:02 PM" (also "3/18/2016, 1:26:02.443 PM"
// as Log Analytics exports it, and 24-hour clocks) at the start of s.
func usTime(s string) (time.Time, int) {
	i := 0
	num := func(max int) int {
		v, n := 0, 0
		for i < len(s) && n < max && s[i] >= '0' && s[i] <= '9' {
			v = v*10 + int(s[i]-'0')
			i++
			n++
		}
		if n == 0 {
			return -1
		}
		return v
	}
	mo := num(2)
	if mo < 0 || i >= len(s) || s[i] != '/' {
		return timeZero, 0
	}
	i++
	d := num(2)
	if d < 0 || i >= len(s) || s[i] != '/' {
		return timeZero, 0
	}
	i++
	y := num(4)
	if y < 1970 {
		return timeZero, 0
	}
	if i < len(s) && s[i] == ',' {
		i++
	}
	if i >= len(s) || s[i] != ' ' {
		return timeZero, 0
	}
	i++
	h := num(2)
	if h < 0 || i >= len(s) || s[i] != ':' {
		return timeZero, 0
	}
	i++
	mi := num(2)
	se := 0
	if i < len(s) && s[i] == ':' {
		i++
		se = num(2)
	}
	if mi < 0 || se < 0 {
		return timeZero, 0
	}
	ns, j := fraction(s, i)
	i = j
	if i+3 <= len(s) && s[i] == ' ' && (s[i+2] == 'M' || s[i+2] == 'm') {
		switch s[i+1] | 0x20 {
		case 'a':
			if h == 12 {
				h = 0
			}
			i += 3
		case 'p':
			if h < 12 {
				h += 12
			}
			i += 3
		}
	}
	if !validClock(mo, d, h, mi, se) {
		return timeZero, 0
	}
	off, i := zone(s, i)
	return time.Date(y, time.Month(mo), d, h, mi, se, ns, time.UTC).Add(-time.Duration(off) * time.Second), i
}

// wfpTime parses Network Watcher's wfpdiag "02/02/2017-17:36:01.496".
func wfpTime(s string) (time.Time, int) {
	if len(s) < 19 || s[2] != '/' || s[5] != '/' || s[10] != '-' || s[13] != ':' || s[16] != ':' {
		return timeZero, 0
	}
	mo, d, y := digits(s, 0, 2), digits(s, 3, 2), digits(s, 6, 4)
	h, mi, se := digits(s, 11, 2), digits(s, 14, 2), digits(s, 17, 2)
	if y < 0 || !validClock(mo, d, h, mi, se) {
		return timeZero, 0
	}
	ns, i := fraction(s, 19)
	return time.Date(y, time.Month(mo), d, h, mi, se, ns, time.UTC), i
}

// anyTime parses a whole string holding a time in one of the layouts the
// inputs use (RFC 3339, ISO without zone, syslog, US Windows, Log
// Analytics CSV). ok is false when it holds none.
func anyTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return timeZero, false
	}
	for _, f := range []func(string) (time.Time, int){isoTime, usTime, bsdTime, wfpTime} {
		if t, n := f(s); n > 0 {
			return t, true
		}
	}
	return timeZero, false
}

// leadingTime parses a time at the start of s in any known layout,
// returning it and the rest of s after blanks.
func leadingTime(s string) (time.Time, string, bool) {
	for _, f := range []func(string) (time.Time, int){isoTime, bsdTime, usTime, wfpTime} {
		if t, n := f(s); n > 0 {
			return t, strings.TrimLeft(s[n:], " \t"), true
		}
	}
	return timeZero, s, false
}
