package testtrace

import "testing"

func TestWriteAccess(t *testing.T) {
	strict := Rules{}
	pulse := Rules{SharedMemory: true, Allowed: []string{"/run/pulse/cookie"}}
	tests := []struct {
		line     string
		rules    Rules
		wantFlag bool
	}{
		{`123 openat(AT_FDCWD, "/x/jfk.flac", O_RDONLY|O_CLOEXEC) = 3`, strict, false},
		{`123 openat(AT_FDCWD, "/tmp/a.wav", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 4`, strict, true},
		{`123 openat(AT_FDCWD, "/tmp/a.wav", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 4`, pulse, true},
		{`123 openat(AT_FDCWD, "/dev/null", O_RDWR|O_CLOEXEC) = 4`, strict, false},
		{`123 openat(AT_FDCWD, "/dev/urandom", O_RDONLY|O_CLOEXEC) = 4`, strict, false},
		{`123 openat(AT_FDCWD, "/dev/pts/3", O_RDWR) = 4`, strict, false},
		{`123 openat(AT_FDCWD, "/dev/snd/pcmC0D0c", O_RDWR|O_NONBLOCK) = 4`, strict, false},
		{`123 openat(AT_FDCWD, "/proc/self/oom_score_adj", O_WRONLY) = 4`, strict, false},
		{`123 openat(AT_FDCWD, "/dev/shm/pulse-shm-1", O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0400) = 4`, pulse, false},
		// A copy of the audio in shared memory or another spot under /dev is a file like any other.
		{`123 openat(AT_FDCWD, "/dev/shm/pulse-shm-1", O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0400) = 4`, strict, true},
		{`123 openat(AT_FDCWD, "/dev/shm/audio.wav", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 4`, strict, true},
		{`123 openat(AT_FDCWD, "/dev/shm/audio.wav", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 4`, pulse, true},
		{`123 openat(AT_FDCWD, "/dev/mqueue/x", O_WRONLY|O_CREAT, 0666) = 4`, strict, true},
		{`123 openat(AT_FDCWD, "/dev/nullx", O_WRONLY|O_CREAT, 0666) = 4`, strict, true},
		{`123 openat(AT_FDCWD, "/tmp/x", O_RDWR|O_CREAT, 0600) = -1 EACCES (Permission denied)`, strict, false},
		{`123 openat(AT_FDCWD, "/run/pulse/cookie", O_RDWR|O_CREAT, 0600) = 5`, pulse, false},
		{`123 openat(AT_FDCWD, "/run/pulse/cookie", O_RDWR|O_CREAT, 0600) = 5`, strict, true},
		{`123 creat("/tmp/a.pcm", 0644) = 5`, strict, true},
		{`123 memfd_create("audio", MFD_CLOEXEC) = 6`, strict, true},
		{`123 memfd_create("pulseaudio", MFD_CLOEXEC) = 6`, pulse, false},
		{`123 ftruncate(7, 67108864) = 0`, strict, true},
		{`123 ftruncate(7, 67108864) = 0`, pulse, false},
		{`123 renameat(AT_FDCWD, "/a", AT_FDCWD, "/b") = 0`, pulse, true},
		{`123 renameat(AT_FDCWD, "/a", AT_FDCWD, "/b" <unfinished ...>`, strict, true},
		{`123 mkdirat(AT_FDCWD, "/home/u/.cache/x", 0777) = 0`, strict, true},
		{`123 mkdir("/home/u/.config/pulse", 0700) = 0`, pulse, true},
	}
	for _, tc := range tests {
		if got := WriteAccess(tc.line, tc.rules) != ""; got != tc.wantFlag {
			t.Errorf("WriteAccess(%q, %+v) flagged=%v, want %v", tc.line, tc.rules, got, tc.wantFlag)
		}
	}
}

func TestNetworkAccess(t *testing.T) {
	for line, want := range map[string]bool{
		`12 connect(7, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("93.184.216.34")}, 16) = -1 EINPROGRESS (Operation now in progress)`:     true,
		`12 connect(7, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0`: true,
		`12 sendto(7, "\x12\x34", 2, 0, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("8.8.8.8")}, 16) = 2`:                                    true,
		`12 bind(7, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = 0`:                                                       true,
		`12 connect(7, {sa_family=AF_UNIX, sun_path="/run/user/0/bus"}, 110) = 0`:                                                                           false,
		`12 bind(7, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 0`:                                                                          false,
		`12 sendmsg(7, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="AUTH", iov_len=4}], msg_iovlen=1}, MSG_NOSIGNAL) = 4`:                             false,
	} {
		if got := NetworkAccess(line) != ""; got != want {
			t.Errorf("NetworkAccess(%q) = %v, want %v", line, got, want)
		}
	}
}
