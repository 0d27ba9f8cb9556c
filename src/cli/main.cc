// maildomain-check: checks an email domain's SPF, DKIM, DMARC, MX, reverse DNS and blacklist
// listings. The logic lives in cli.cc; this only wires the process' streams.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool color = isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
  mdo::cli::CliContext context{std::cout, std::cerr, color};
  const int status = mdo::cli::RunMailDomainCheck(args, context);
  std::cout.flush();
  return status;
}
