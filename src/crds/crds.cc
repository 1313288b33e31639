// all() is generated at build time (cmake/EmbedFiles.cmake).
#include "crds/crds.h"
