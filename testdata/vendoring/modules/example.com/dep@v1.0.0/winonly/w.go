package winonly
