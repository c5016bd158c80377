// tcpBytesReceived(): what the kernel has received on a TCP socket (TCP_INFO), so the request watchdog
// can stop an answer whose headers never end (cpp-httplib 0.11.4 bounds a header line, not their
// number, and calls our callbacks only after the last one). Built outside the unity batch:
// <linux/tcp.h> (which has tcpi_bytes_received) conflicts with glibc's <netinet/tcp.h>, which
// cpp-httplib includes.
// Thread-safety: a getsockopt() on a descriptor; safe from any thread.
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace modelops::analysis::detail {

std::optional<std::uint64_t> tcpBytesReceived(int fd) {
  struct tcp_info info {};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return std::nullopt;
  if (len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received) return std::nullopt;
  return info.tcpi_bytes_received;
}

}  // namespace modelops::analysis::detail
