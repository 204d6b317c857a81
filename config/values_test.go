package config

import (
	"errors"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    Date
		wantErr bool
	}{
		{in: "2026-12-15", want: Date{2026, time.December, 15}},
		{in: "2028-02-29", want: Date{2028, time.February, 29}},
		{in: "2026-02-29", wantErr: true},
		{in: "2026-13-01", wantErr: true},
		{in: "2026-1-5", wantErr: true},
		{in: "15.12.2026", wantErr: true},
		{in: "2026-12-15T00:00:00Z", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidDate) {
					t.Errorf("got %v, %v; want ErrInvalidDate", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String: got %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestDateMethods(t *testing.T) {
	d := Date{2026, time.March, 29}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	if got, want := d.In(berlin), time.Date(2026, 3, 29, 0, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("In: got %v, want %v", got, want)
	}
	if !d.Before(Date{2026, time.March, 30}) || d.Before(d) {
		t.Errorf("Before is wrong")
	}
	if (Date{}).String() != "" || !(Date{}).IsZero() {
		t.Errorf("zero Date: got %q", Date{}.String())
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    Duration
		str     string
		wantErr bool
	}{
		{in: "2m", want: Duration(2 * time.Minute), str: "2m"},
		{in: "36h", want: Duration(36 * time.Hour), str: "36h"},
		{in: "1h30m", want: Duration(90 * time.Minute), str: "1h30m"},
		{in: "90s", want: Duration(90 * time.Second), str: "1m30s"},
		{in: "0", want: 0, str: "0s"},
		{in: "1.5s", want: Duration(1500 * time.Millisecond), str: "1.5s"},
		{in: "2", wantErr: true},
		{in: "2 minutes", wantErr: true},
		{in: "1d", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var d Duration
			err := d.UnmarshalText([]byte(tt.in))
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidValue) {
					t.Errorf("got %v, %v; want ErrInvalidValue", d, err)
				}
				return
			}
			if err != nil || d != tt.want {
				t.Fatalf("got %v, %v; want %v", d, err, tt.want)
			}
			if d.String() != tt.str {
				t.Errorf("String: got %q, want %q", d.String(), tt.str)
			}
		})
	}
}
