package server

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestModelDevice: /v1/models and /metrics say which compute device each model runs on and whether
// it fell back from the one asked for (serve -device).
func TestModelDevice(t *testing.T) {
	eng := newFake()
	eng.info.Device = "CPU"
	eng.info.Fallback = "Vulkan0 is not available: the Vulkan driver could not be started; transcribing on the CPU instead"
	ts := start(t, testConfig(t), fakeDeps(eng))
	r := ts.get(t, "/v1/models")
	var list struct {
		Data []struct{ ID, Device, Fallback, Backend string }
	}
	if err := json.Unmarshal(r.body, &list); err != nil || len(list.Data) != 1 {
		t.Fatalf("models: %v %s", err, r.body)
	}
	if m := list.Data[0]; m.Device != "CPU" || !strings.Contains(m.Fallback, "Vulkan driver") {
		t.Fatalf("model: %+v", m)
	}
	m := scrape(t, ts)
	if got := m.value("hushscribe_model_device_info", "model", "fake", "device", "CPU", "backend", "cpu", "fallback", "1"); got != 1 {
		t.Fatalf("hushscribe_model_device_info = %v\n%s", got, m.raw)
	}
}
