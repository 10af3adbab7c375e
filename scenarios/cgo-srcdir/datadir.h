#ifndef DATADIR_H
#define DATADIR_H

/* The data directory the program was built with (from -DDATADIR). */
const char *data_dir(void);

#endif
