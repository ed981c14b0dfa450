# SPDX-License-Identifier: GPL-2.0-only
#
# make                 build iscsi_da.ko and iser_dm.ko against Debian's 6.1 headers
# make KDIR=<dir>      build against another kernel build tree
# make W=1 / C=2       extra warnings / sparse (passed through to kbuild)
# make FAULT_INJECT=1  also build the fail_alloc test hook (the test suite's VMs)
# make install         modules_install + depmod (INSTALL_MOD_PATH honoured)
# make clean

# Newest installed Debian 6.1 headers, unless told otherwise.
KDIR ?= $(lastword $(sort $(wildcard /usr/src/linux-headers-6.1.*-amd64)))
ifeq ($(KDIR),)
KDIR := /lib/modules/$(shell uname -r)/build
endif

PWD := $(CURDIR)

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(PWD) modules

# The release the headers were built for (Debian's "6.1.0-56-amd64").
KREL = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h)

install: modules
	$(MAKE) -C $(KDIR) M=$(PWD) INSTALL_MOD_DIR=extra modules_install
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KREL)

# kbuild's clean deletes every object below M=, and .build/ holds kernel
# and module builds of the rig: clean the module directories one by one.
clean:
	$(MAKE) -C $(KDIR) M=$(PWD)/iscsi_da clean
	$(MAKE) -C $(KDIR) M=$(PWD)/iser_dm clean
	rm -f Module.symvers modules.order

.PHONY: all modules install clean
