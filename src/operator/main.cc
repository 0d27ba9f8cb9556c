// maildomain-operator: see docs/configuration.md.
#include <cstdio>
#include <string>
#include <vector>

#include "operator/operator_app.h"
#include "operator/options.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto options = mdo::operator_main::ParseOptions(args);
  if (!options.ok()) {
    std::fprintf(stderr, "maildomain-operator: %s\n", options.error().message.c_str());
    return 2;
  }
  if (options->show_help) {
    std::fputs(mdo::operator_main::UsageText().c_str(), stdout);
    return 0;
  }
  return mdo::operator_main::RunOperator(*options);
}
