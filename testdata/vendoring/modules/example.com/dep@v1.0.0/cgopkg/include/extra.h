/* in a non-package dir: dropped */
