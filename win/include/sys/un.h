/* <sys/un.h> for Windows: AF_UNIX stream sockets exist from Windows 10 1803. */

#ifndef PINETD_WIN_SYS_UN_H
#define PINETD_WIN_SYS_UN_H
#include "win.h"
#include <afunix.h>
#endif
