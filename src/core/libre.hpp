// The one way to include libre. libre names its SIP stack `struct sip` at global scope, which
// C++ cannot hold next to our `namespace sip`; renaming the tag while the headers are read
// changes no symbol (C struct tags are not part of function names), so the C library links as
// is. Never include <re.h> directly.
#pragma once

#define sip libre_sip
#include <re.h>  // NOLINT: the only place
#undef sip
