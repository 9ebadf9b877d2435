/* <netdb.h> for Windows: Winsock declares it all (see win.h). */

#ifndef PINETD_WIN_NETDB_H
#define PINETD_WIN_NETDB_H
#include "win.h"
#endif
