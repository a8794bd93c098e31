// XGBoost's model schema (the same for JSON and UBJSON), read from a parsed
// document into a Forest. Does not call Validate(); the loaders do.
#pragma once
#include <string>

#include "common/status.h"
#include "model/document.h"
#include "model/forest.h"

namespace abp {

// `format` is "json" or "ubjson" (recorded in the Forest, used in messages).
Status ForestFromDocument(const Value& doc, const std::string& name, const std::string& format, Forest* out);

}  // namespace abp
