// Package redistest is a separate Go module (so that the Redis client stays out of the main
// module) where the throttle scenario meets go-redis/redis_rate: GCRA in a Lua script, over a real
// Redis started by the test on a loopback port and stopped by its PID. Without redis-server on
// the PATH the tests skip with a message. make test runs them at a scaled window, make
// throttle-full at the spec's limit (THROTTLE_FULL=1).
package redistest
