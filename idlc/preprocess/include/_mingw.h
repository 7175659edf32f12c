/* idlc's stand-in for the toolchain header that Windows SDK and mingw-w64 IDL headers include.
 * Searched after every -I folder, so a real one on the include path wins. */
#ifndef _IDLC_MINGW_H
#define _IDLC_MINGW_H
#ifndef __LONG32
#define __LONG32 long
#endif
#ifndef __MINGW_EXTENSION
#define __MINGW_EXTENSION
#endif
#endif
