// Placeholder until the model binding lands: registers nothing.
#include "addon/bindings.h"

namespace abp::addon {
void RegisterModel(Napi::Env, Napi::Object) {}
}  // namespace abp::addon
